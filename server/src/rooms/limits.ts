// Room limits. The defaults are the vendor's published figures.
export interface Limits {
  /** Visible users in one room; the next visible join gets ROOM_FULL. */
  maxVisible: number;
  /** Users publishing at once in one room; the next publish gets PUBLISHER_LIMIT. */
  maxPublishers: number;
  /** Invisible users in one room; the next gets INVISIBLE_LIMIT. */
  maxInvisible: number;
  /** How many peers a joiner is told of in the join response. */
  maxPeersInJoin: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxVisible: 20,
  maxPublishers: 8,
  maxInvisible: 10_000,
  maxPeersInJoin: 20,
};
