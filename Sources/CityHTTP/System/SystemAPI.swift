/// The system domain's operations: liveness, readiness, metrics, this document.
enum SystemAPI {
    static let fragment = APIFragment(operations: [
        .init("get", "/healthz", id: "healthz", summary: "Liveness: the process answers", tag: "system", access: .open, success: (200, nil, APIFragment.json)),
        .init("get", "/readyz", id: "readyz", summary: "Readiness: the database answers", tag: "system", access: .open, success: (200, nil, APIFragment.json),
              pageAnswers: []),
        .init("get", "/metrics", id: "metrics", summary: "Prometheus metrics", tag: "system", access: .open, success: (200, nil, "text/plain")),
        .init("get", "/api/v1/openapi.json", id: "openapi", summary: "This document", tag: "system", access: .open, success: (200, nil, APIFragment.json)),
    ])
}
