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
