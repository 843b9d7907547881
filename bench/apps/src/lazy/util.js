let n = 0;
export const uid = () => `t${++n}`;
export const plural = (k, word) => `${k} ${word}${k === 1 ? '' : 's'}`;
