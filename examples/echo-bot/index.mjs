import { Client, createSigner, isText } from "@x/sdk";

const { XMTP_WALLET_KEY, XMTP_ENV = "local", XMTP_API_URL, XMTP_DB_PATH } = process.env;
const signer = createSigner(XMTP_WALLET_KEY); // keep the key to keep the inbox
const options = { env: XMTP_ENV, apiUrl: XMTP_API_URL, dbPath: XMTP_DB_PATH };
const client = await Client.create(signer, options);
console.log(`echo bot ${signer.address} ready: inbox ${client.inboxId}`);
for await (const message of await client.conversations.streamAllMessages()) {
  if (message.senderInboxId === client.inboxId || !isText(message)) continue;
  const conversation = await client.conversations.getConversationById(message.conversationId);
  await conversation?.sendText(`echo: ${message.content}`);
}
