import CityCore
import Foundation

/// One operation of the API document.
public struct APIOperation: Sendable {
    /// Who may call it.
    public enum Access: Sendable {
        /// Anyone, without credentials.
        case open
        /// Any signed-in principal (staff, API key, citizen).
        case signedIn
        /// Staff members and other systems: principals with a division scope.
        case staff
    }

    public struct Query: Sendable {
        public let name: String
        public let schema: JSONValue
        public let description: String
        public var required = false

        public init(_ name: String, _ schema: JSONValue, _ description: String, required: Bool = false) {
            self.name = name
            self.schema = schema
            self.description = description
            self.required = required
        }
    }

    public let method: String
    public let path: String
    public let id: String
    public let summary: String
    public let tag: String
    public var access: Access
    /// The request body's schema name.
    public var body: String?
    public var query: [Query]
    /// Request headers the operation reads (as parameters `in: header`).
    public var headers: [Query]
    public var pathParameters: [(String, JSONValue)]
    /// Status, schema name (nil: no schema), media type.
    public var success: (status: Int, schema: String?, media: String)
    /// Further answers this operation gives, beyond those every operation of its kind gives
    /// (400 with input, 413/415 with a body, 401/403 when signed in, 503 on /api).
    public var answers: [(status: Int, description: String)]
    /// Other successful answers with a JSON body (202 while work goes on in the background, with `Retry-After`).
    public var accepted: (schema: String, description: String)?
    /// Answers given as a page rather than problem+json (the web forms).
    public var pageAnswers: [(status: Int, description: String)]
    /// The request body's media type (Open311 posts a form).
    public var bodyMedia = APIFragment.json
    /// Other media types the request body may come in (a dataset's rows as CSV or NDJSON), as text.
    public var alsoBodyMedia: [String] = []
    /// Where errors are not problem+json (Open311's list of `{code, description}`): their schema and media type.
    public var errorShape: (schema: String, media: String)?
    /// Other media types the success and error answers may come in (Open311's `NAME.xml` beside
    /// `NAME.json` on one path), without a schema.
    public var alsoMedia: [String] = []

    public init(_ method: String, _ path: String, id: String, summary: String, tag: String, access: Access = .staff, body: String? = nil,
                query: [Query] = [], headers: [Query] = [], pathParameters: [(String, JSONValue)] = [], success: (Int, String?, String),
                answers: [(Int, String)] = [], accepted: (String, String)? = nil, pageAnswers: [(Int, String)] = []) {
        self.accepted = accepted.map { (schema: $0.0, description: $0.1) }
        self.method = method
        self.path = path
        self.id = id
        self.summary = summary
        self.tag = tag
        self.access = access
        self.body = body
        self.query = query
        self.headers = headers
        self.pathParameters = pathParameters
        self.success = (success.0, success.1, success.2)
        self.answers = answers.map { (status: $0.0, description: $0.1) }
        self.pageAnswers = pageAnswers.map { (status: $0.0, description: $0.1) }
    }
}

/// A domain's part of the API document: its operations and the shapes they use. The document
/// only assembles fragments.
public struct APIFragment: Sendable {
    public var operations: [APIOperation]
    public var schemas: [(String, JSONValue)]

    public init(operations: [APIOperation], shapes: [any APIShape.Type] = [], schemas: [(String, JSONValue)] = []) {
        self.operations = operations
        self.schemas = shapes.map { ($0.schemaName, $0.objectSchema) } + schemas
    }

    public static let json = "application/json"
    public static let html = "text/html"
}
