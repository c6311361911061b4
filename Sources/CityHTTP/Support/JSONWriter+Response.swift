import CityCore
import Hummingbird
import NIOCore

extension JSONWriter {
    /// The text as a 200 `application/json` response, with the headers Hummingbird's JSON
    /// encoder sets.
    var response: Response {
        let buffer = ByteBuffer(string: text)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(buffer.readableBytes)],
                        body: .init(byteBuffer: buffer))
    }
}

/// A response that writes its own JSON (`JSONWriter`) for a hot route, keeping its `Encodable`
/// form for the API document; `JSONWriterTests` holds the two equal.
protocol JSONWritable: ResponseEncodable {
    func write(to json: inout JSONWriter)
    /// The text's expected size, reserved up front.
    static var jsonCapacity: Int { get }
}

extension JSONWritable {
    static var jsonCapacity: Int { 1_024 }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var json = JSONWriter(capacity: Self.jsonCapacity)
        write(to: &json)
        return json.response
    }
}
