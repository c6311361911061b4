import CityStore
import Foundation
import Hummingbird
import Metrics
import Prometheus

/// Liveness, readiness, metrics and the OpenAPI document: no authentication.
struct SystemController {
    let store: Store
    let jobs: JobQueue
    let metrics: PrometheusCollectorRegistry
    let openAPI: Data

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/healthz") { _, _ -> Response in
            Self.json(#"{"status":"ok"}"#)
        }
        router.get("/readyz") { _, _ -> Response in
            let ok = await store.ping()
            return Self.json(ok ? #"{"status":"ready","database":"ok"}"# : #"{"status":"not ready","database":"unreachable"}"#,
                             status: ok ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ -> Response in
            // Queue depth comes from the database at scrape time, so every process reports the same truth.
            if let counts = try? await jobs.counts() {
                for state in ["queued", "running", "failed"] {
                    Gauge(label: "cityhub_jobs", dimensions: [("queue", "default"), ("state", state)]).record(counts[state] ?? 0)
                }
            }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            metrics.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("/api/v1/openapi.json") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
