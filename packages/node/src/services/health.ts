// grpc.health.v1.Health: the node as a whole ("") and each service it serves.
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { type Health, HealthCheckResponse_ServingStatus } from "@x/proto/grpc/health/v1";
import { IdentityApi } from "@x/proto/identity/api/v1";
import { MlsApi } from "@x/proto/mls/api/v1";

const V3_SERVICES = ["", MlsApi.typeName, IdentityApi.typeName, "grpc.health.v1.Health"];

/** Health for a listener that serves `services` (default: the v3 API); "" is the listener. */
export function healthService(
  isServing: () => boolean,
  services: readonly string[] = V3_SERVICES,
): ServiceImpl<typeof Health> {
  const status = () =>
    isServing()
      ? HealthCheckResponse_ServingStatus.SERVING
      : HealthCheckResponse_ServingStatus.NOT_SERVING;
  return {
    check(req) {
      if (!services.includes(req.service)) {
        throw new ConnectError(`unknown service ${JSON.stringify(req.service)}`, Code.NotFound);
      }
      return { status: status() };
    },
    list() {
      return { statuses: Object.fromEntries(services.map((s) => [s, { status: status() }])) };
    },
    async *watch(req, ctx) {
      yield {
        status: services.includes(req.service)
          ? status()
          : HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN,
      };
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
    },
  };
}
