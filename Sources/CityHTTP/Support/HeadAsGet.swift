import Hummingbird

/// Answers HEAD as GET without the body, on every route that has a GET (RFC 9110 §9.3.2): the
/// router has HEAD routes only where they are declared, and monitoring and link checkers use HEAD.
public struct HeadAsGet<Builder: HTTPResponderBuilder>: HTTPResponderBuilder {
    let builder: Builder

    public init(_ builder: Builder) {
        self.builder = builder
    }

    public func buildResponder() -> Responder {
        Responder(inner: builder.buildResponder())
    }

    public struct Responder: HTTPResponder {
        let inner: Builder.Responder

        public func respond(to request: Request, context: Builder.Responder.Context) async throws -> Response {
            guard request.method == .head else { return try await inner.respond(to: request, context: context) }
            var head = request.head
            head.method = .get
            let response = try await inner.respond(to: Request(head: head, body: request.body), context: context)
            return Response(status: response.status, headers: response.headers, body: .init())
        }
    }
}
