// Every privilege a token can grant, none expiring (0 = never): what a room member holds when a
// test is not about privileges.
import { Privileges } from '../../src/token/index.js';

export const ALL_PRIVILEGES: Map<number, number> = new Map(Object.values(Privileges).map((p) => [p, 0]));
