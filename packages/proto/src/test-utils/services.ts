// Every service descriptor of the package, and lookup by gRPC path.
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import * as health from "../grpc/health/v1/index.js";
import * as identityApi from "../identity/api/v1/index.js";
import * as migrationApi from "../migration/api/v1/index.js";
import * as mlsApi from "../mls/api/v1/index.js";
import * as gatewayApi from "../xmtpv4/gateway_api/index.js";
import * as messageApi from "../xmtpv4/message_api/index.js";
import * as metadataApi from "../xmtpv4/metadata_api/index.js";
import * as payerApi from "../xmtpv4/payer_api/index.js";

const modules = [
  mlsApi,
  identityApi,
  migrationApi,
  health,
  messageApi,
  payerApi,
  gatewayApi,
  metadataApi,
];

export const allServices: DescService[] = modules.flatMap((mod) =>
  Object.values(mod).filter(
    (value): value is DescService =>
      typeof value === "object" && value !== null && "kind" in value && value.kind === "service",
  ),
);

/** The gRPC path of a method: "/<package>.<Service>/<Method>". */
export const grpcPath = (method: DescMethod): string => `/${method.parent.typeName}/${method.name}`;

const byPath = new Map(allServices.flatMap((s) => s.methods.map((m) => [grpcPath(m), m])));

export function methodByPath(path: string): DescMethod {
  const method = byPath.get(path);
  if (!method) throw new Error(`no method for gRPC path ${path}`);
  return method;
}
