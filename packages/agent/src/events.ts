// agent-sdk's event names and what each handler gets.
import type {
  Actions,
  Attachment,
  Dm,
  EnrichedReply,
  Group,
  GroupUpdated,
  Intent,
  LeaveRequest,
  MultiRemoteAttachment,
  Reaction,
  ReadReceipt,
  RemoteAttachment,
  TransactionReference,
  WalletSendCalls,
} from "@x/sdk";
import type { AgentBaseContext, ConversationContext, MessageContext } from "./context.js";

export interface AgentEvents {
  text: MessageContext<string>;
  markdown: MessageContext<string>;
  reaction: MessageContext<Reaction>;
  reply: MessageContext<EnrichedReply>;
  "read-receipt": MessageContext<ReadReceipt>;
  /** A remote attachment (agent-sdk's "attachment"). */
  attachment: MessageContext<RemoteAttachment>;
  "inline-attachment": MessageContext<Attachment>;
  "multi-attachment": MessageContext<MultiRemoteAttachment>;
  "transaction-reference": MessageContext<TransactionReference>;
  "wallet-send-calls": MessageContext<WalletSendCalls>;
  actions: MessageContext<Actions>;
  intent: MessageContext<Intent>;
  "group-update": MessageContext<GroupUpdated>;
  "leave-request": MessageContext<LeaveRequest>;
  /** A decoded message of a type none of the events above names (a custom codec's, ...). */
  unknownMessage: MessageContext;
  /** Every message handled, after its content type's event. */
  message: MessageContext;
  /** A new conversation (then "dm" or "group"). */
  conversation: ConversationContext;
  dm: ConversationContext<Dm>;
  group: ConversationContext<Group>;
  /** The streams are open. */
  start: AgentBaseContext;
  /** stop() has ended the streams and the handlers running. */
  stop: AgentBaseContext;
  /** An error no error middleware handled. */
  unhandledError: unknown;
}

export type AgentEventName = keyof AgentEvents;
