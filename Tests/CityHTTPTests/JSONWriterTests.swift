@testable import CityHTTP
import CityCore
import Foundation
import Testing

@Suite("Hand-written JSON responses")
struct JSONWriterTests {
    static func canonical(_ data: Data) throws -> NSDictionary {
        try #require(JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test("a person written by hand is the same JSON as its Codable form: absent values, escapes, Chinese, dates, nesting")
    func personMatchesCodable() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let samples = [
            PersonDTO(idNumber: "4116**********123X", name: "张\"三\"\\\n\t\u{1}", sex: "male", birthDate: "1985-**-**", phone: nil, address: "周口市川汇区****",
                      divisionCode: "411602", sources: ["public-security", "health"],
                      provenance: ["name": FieldProvenanceDTO(source: "health", receivedAt: Date(timeIntervalSince1970: 1_795_632_000.75), disagreeing: ["public-security"]),
                                   "sex": FieldProvenanceDTO(source: "public-security", receivedAt: nil, disagreeing: [])],
                      masked: true, createdAt: Date(timeIntervalSince1970: 1_700_000_000), updatedAt: Date(timeIntervalSince1970: -1.5)),
            PersonDTO(idNumber: "411602198506120011", name: nil, sex: "female", birthDate: "1985-06-12", phone: "13812341234", address: nil,
                      divisionCode: "411602", sources: [], provenance: [:], masked: false, createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0)),
        ]
        for dto in samples {
            var writer = JSONWriter()
            dto.write(to: &writer)
            let hand = try Self.canonical(Data(writer.text.utf8))
            let codable = try Self.canonical(encoder.encode(dto))
            #expect(hand == codable, "\(writer.text)")
        }
    }

    @Test("commas and nesting: arrays of objects, empty containers")
    func structure() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("a"); w.beginArray(); w.beginObject(); w.field("x", "1"); w.endObject(); w.beginObject(); w.endObject(); w.string("s"); w.endArray()
        w.field("b", true)
        w.field("skipped", nil as String?)
        w.key("c"); w.beginObject(); w.endObject()
        w.endObject()
        #expect(w.text == #"{"a":[{"x":"1"},{},"s"],"b":true,"c":{}}"#)
    }
}
