// The client's phases (state.ts says which calls each allows). Numbers, in a module of nothing
// but constants: esbuild then writes each as one digit where it is used.
export const UNINITIALISED = 0;
export const INITIALISED = 1;
export const JOINING = 2;
export const IN_ROOM = 3;
export const LEAVING = 4;
export const DESTROYED = 5;
export type Phase = 0 | 1 | 2 | 3 | 4 | 5;
