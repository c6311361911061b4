import CityCore
import Exchange
import Foundation
import HTTPTypes
import Hummingbird

/// Open data, for anyone: the DCAT-AP 3 catalogue in JSON-LD at a stable URL, and each open
/// resource's public fields as JSON or CSV, streamed page by page.
struct OpenDataController {
    let openData: OpenData

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/opendata/catalog.jsonld", use: catalogue)
        router.get("/opendata/datasets/{file}", use: download)
    }

    @Sendable func catalogue(_ request: Request, context: AppRequestContext) async throws -> Response {
        let text = try await openData.catalogue(base: Self.base(request))
        return Response(status: .ok, headers: [.contentType: "application/ld+json; charset=utf-8", .cacheControl: "public, max-age=300"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `CODE.json` or `CODE.csv`: the rows' public fields, every row, a thousand at a time.
    @Sendable func download(_ request: Request, context: AppRequestContext) async throws -> Response {
        let file = try context.parameters.require("file")
        let csv = file.hasSuffix(".csv")
        guard csv || file.hasSuffix(".json") else { throw ExchangeError.unknownResource }
        guard let resource = try await openData.resource(String(file.dropLast(csv ? 4 : 5))) else { throw ExchangeError.unknownResource }
        let fields = OpenData.publicFields(resource)
        let openData = self.openData
        let headers: HTTPFields = [.contentType: csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
                                   .contentDisposition: "attachment; filename=\"\(resource.code).\(csv ? "csv" : "json")\""]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            if csv {
                try await writer.write(ByteBuffer(string: fields.map { Self.cell($0.name) }.joined(separator: ",") + "\r\n"))
            } else {
                var head = JSONWriter(capacity: 256)
                head.beginObject(); head.field("resource", resource.code); head.field("fields", strings: fields.map(\.name)); head.key("rows"); head.beginArray()
                try await writer.write(ByteBuffer(string: head.text))
            }
            var after: String? = nil
            var first = true
            while true {
                let rows = try await openData.rows(resource, after: after, limit: 1_000)
                var chunk = ""
                for row in rows {
                    if csv {
                        chunk += fields.map { Self.cell(Self.text(row.values[$0.name] ?? .null)) }.joined(separator: ",") + "\r\n"
                    } else {
                        var json = JSONWriter(capacity: 256)
                        json.beginObject()
                        for field in fields { json.key(field.name); json.value(row.values[field.name] ?? .null) }
                        json.endObject()
                        chunk += (first ? "" : ",") + json.text
                        first = false
                    }
                }
                if !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
                guard rows.count == 1_000, let last = rows.last else { break }
                after = last.key
            }
            if !csv { try await writer.write(ByteBuffer(string: "]}")) }
            try await writer.finish(nil)
        })
    }

    /// Where this server is reached, for the catalogue's URLs (the Host the client used; http unless a proxy says https).
    static func base(_ request: Request) -> String {
        let host = (request.head.authority ?? "127.0.0.1").filter { $0.isASCII && ($0.isLetter || $0.isNumber || ".:-[]".contains($0)) }
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https" ? "https" : "http"
        return "\(scheme)://\(host.isEmpty ? "127.0.0.1" : host)"
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): b ? "true" : "false"
        case .null: ""
        default: value.data().isEmpty ? "" : String(decoding: value.data(), as: UTF8.self)
        }
    }

    /// RFC 4180: quoted when it holds a comma, quote or line break; a leading =, +, - or @ is
    /// prefixed with ' so a spreadsheet does not run it as a formula.
    static func cell(_ text: String) -> String {
        var out = text
        if let first = out.first, "=+-@".contains(first) { out = "'" + out }
        guard out.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return out }
        return "\"" + out.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension HTTPField.Name {
    static let contentDisposition = Self("Content-Disposition")!
}

extension Request {
    /// Where this server is reached (the Host the client used; http unless a proxy says https):
    /// the base of the URLs the server writes into what it hands out (catalogue, QR codes).
    public var siteBase: String { OpenDataController.base(self) }
}
