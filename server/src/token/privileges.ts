// Privilege numbers of the AccessToken format (version 001).
export const Privileges = {
  PublishStream: 0,
  PublishAudioStream: 1,
  PublishVideoStream: 2,
  PublishDataStream: 3,
  SubscribeStream: 4,
} as const;

export type Privilege = (typeof Privileges)[keyof typeof Privileges];

/** Granting PublishStream also grants audio, video and data with the same expiry (vendor rule). */
export const PUBLISH_IMPLIES: readonly Privilege[] = [Privileges.PublishAudioStream, Privileges.PublishVideoStream, Privileges.PublishDataStream];
