// client.debugInformation: API call counts as node-sdk names them (every call the client made
// through its transport, retries included), and the background workers' state.
import type { Client as MlsClient, WorkerStatus } from "@x/mls";
import type { CallCounts } from "./network.js";

export interface ApiStats {
  uploadKeyPackage: bigint;
  fetchKeyPackage: bigint;
  sendGroupMessages: bigint;
  sendWelcomeMessages: bigint;
  queryGroupMessages: bigint;
  queryWelcomeMessages: bigint;
  subscribeMessages: bigint;
  subscribeWelcomes: bigint;
  getNewestGroupMessage: bigint;
  publishCommitLog: bigint;
  queryCommitLog: bigint;
}

export interface IdentityStats {
  publishIdentityUpdate: bigint;
  getIdentityUpdatesV2: bigint;
  getInboxIds: bigint;
  verifySmartContractWalletSignature: bigint;
}

export class DebugInformation {
  /** @internal */
  constructor(
    private readonly counts: CallCounts,
    private readonly mls: () => MlsClient | undefined,
  ) {}

  apiStatistics(): ApiStats {
    const c = (m: string) => this.counts.get(m);
    return {
      uploadKeyPackage: c("uploadKeyPackage"),
      fetchKeyPackage: c("fetchKeyPackages"),
      sendGroupMessages: c("sendGroupMessages"),
      sendWelcomeMessages: c("sendWelcomeMessages"),
      queryGroupMessages: c("queryGroupMessages"),
      queryWelcomeMessages: c("queryWelcomeMessages"),
      subscribeMessages: c("subscribeGroupMessages"),
      subscribeWelcomes: c("subscribeWelcomeMessages"),
      getNewestGroupMessage: c("getNewestGroupMessage"),
      publishCommitLog: c("batchPublishCommitLog"),
      queryCommitLog: c("batchQueryCommitLog"),
    };
  }

  apiIdentityStatistics(): IdentityStats {
    const c = (m: string) => this.counts.get(m);
    return {
      publishIdentityUpdate: c("publishIdentityUpdate"),
      getIdentityUpdatesV2: c("getIdentityUpdates"),
      getInboxIds: c("getInboxIds"),
      verifySmartContractWalletSignature: c("verifySmartContractWalletSignatures"),
    };
  }

  /** Every count on one line per method. */
  apiAggregateStatistics(): string {
    const all = this.counts.all();
    const lines = Object.keys(all)
      .sort()
      .map((k) => `${k}: ${all[k]}`);
    return lines.length === 0 ? "no API calls" : lines.join("\n");
  }

  clearAllStatistics(): void {
    this.counts.clear();
  }

  /** The background workers: rounds, failures in a row, last error (ours; not in node-sdk). */
  workerStatus(): WorkerStatus[] {
    return this.mls()?.workerStatus() ?? [];
  }
}
