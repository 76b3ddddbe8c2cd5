// @x/proto/mls/database: proto package xmtp.mls.database.

export * from "../../gen/mls/database/intents_pb.js";
export * from "../../gen/mls/database/task_pb.js";
