export const onEnter = (fn) => (e) => {
  if (e.key === 'Enter') fn(e);
};
