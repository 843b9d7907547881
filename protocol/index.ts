export * from './limits.ts';
export * from './errors.ts';
export * from './messages.ts';
export * from './frame.ts';
export * from './validate.ts';
