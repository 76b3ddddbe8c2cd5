export {
  decodeTopic,
  encodeTopic,
  groupMessagesTopic,
  identityUpdatesTopic,
  keyPackagesTopic,
  Originator,
  type Topic,
  TopicError,
  TopicKind,
  welcomeMessagesTopic,
} from "./topics.js";
