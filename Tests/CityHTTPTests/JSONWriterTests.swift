@testable import Cases
@testable import CityHTTP
import CityCore
import Identity
import Foundation
import Testing

@Suite("Hand-written JSON responses")
struct JSONWriterTests {
    static func canonical(_ data: Data) throws -> NSDictionary {
        try #require(JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    /// Each sample written by hand parses to the same JSON as its `Codable` form, encoded as
    /// Hummingbird encodes responses (ISO 8601 dates).
    static func expectSameJSON<T: JSONWritable>(_ samples: [T]) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        for dto in samples {
            var writer = JSONWriter()
            dto.write(to: &writer)
            let hand = try canonical(Data(writer.text.utf8))
            let codable = try canonical(encoder.encode(dto))
            #expect(hand == codable, "\(writer.text)")
        }
    }

    @Test("a person written by hand is the same JSON as its Codable form: absent values, escapes, Chinese, dates, nesting")
    func personMatchesCodable() throws {
        let samples = [
            PersonDTO(idNumber: "4116**********123X", name: "张\"三\"\\\n\t\u{1}", sex: "male", birthDate: "1985-**-**", phone: nil, address: "周口市川汇区****",
                      divisionCode: "411602", sources: ["public-security", "health"],
                      provenance: ["name": FieldProvenanceDTO(source: "health", receivedAt: Date(timeIntervalSince1970: 1_795_632_000.75), disagreeing: ["public-security"]),
                                   "sex": FieldProvenanceDTO(source: "public-security", receivedAt: nil, disagreeing: [])],
                      masked: true, createdAt: Date(timeIntervalSince1970: 1_700_000_000), updatedAt: Date(timeIntervalSince1970: -1.5)),
            PersonDTO(idNumber: "411602198506120011", name: nil, sex: "female", birthDate: "1985-06-12", phone: "13812341234", address: nil,
                      divisionCode: "411602", sources: [], provenance: [:], masked: false, createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0)),
        ]
        try Self.expectSameJSON(samples)
    }

    @Test("the caller written by hand is the same JSON as its Codable form: with and without organisation and scope, escapes")
    func meMatchesCodable() throws {
        try Self.expectSameJSON([
            MeDTO(kind: "staff", id: "u-1", displayName: "李\"四\"\\\n", organisationCode: "411602000001", scope: "411602", roles: ["data-steward", "handler"]),
            MeDTO(kind: "citizen", id: "c-1", displayName: "c", organisationCode: nil, scope: nil, roles: []),
        ])
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

    @Test("a case page written by hand is the same JSON as its Codable form: every optional present and absent, escapes, nesting")
    func caseDetailMatchesCodable() throws {
        let at = Date(timeIntervalSince1970: 1_795_632_000)
        let full = Case(number: "41160226112700001", divisionCode: "411602", channel: .hotline, kind: .complaint, categoryCode: "20102",
                        categoryName: "暴露\"垃圾\"", urgency: .urgent, state: .closed, description: "七一路\n有垃圾\t\u{1}\\", location: GeoPoint(lon: 114.6512345, lat: 33.62),
                        address: "川汇区七一路", gridCode: "411602001001", reporter: Reporter(name: "张三", phone: "139****5678", idNumber: nil, account: nil, registeredResident: true),
                        organisationCode: "411602-CMB", reportedAt: at, registeredAt: at.addingTimeInterval(60), dispatchedAt: at.addingTimeInterval(120),
                        acceptedAt: at.addingTimeInterval(180), reportedBackAt: at.addingTimeInterval(240), closedAt: at.addingTimeInterval(300),
                        deadlineAt: at.addingTimeInterval(86_400), warnedAt: at.addingTimeInterval(3_600), overdueAt: at.addingTimeInterval(7_200),
                        escalations: 2, reworks: 1, returns: 3, extended: true,
                        pendingRequest: PendingRequest(kind: "extension", limit: TimeLimit(2, .workingDays), reason: "需要协调"),
                        mergedInto: "41160226112700002", handedOffTo: .ambulance, callback: Callback(at: at.addingTimeInterval(400), solved: true, satisfied: false),
                        updatedAt: at.addingTimeInterval(500), masked: true)
        let bare = Case(number: "41160226112700003", divisionCode: "411602", channel: .citizen, kind: nil, categoryCode: "101", categoryName: nil,
                        urgency: .normal, state: .reported, description: "d", location: nil, address: nil, gridCode: nil, reporter: nil, organisationCode: nil,
                        reportedAt: at, registeredAt: nil, dispatchedAt: nil, acceptedAt: nil, reportedBackAt: nil, closedAt: nil, deadlineAt: nil, warnedAt: nil,
                        overdueAt: nil, escalations: 0, reworks: 0, returns: 0, extended: false, pendingRequest: PendingRequest(kind: "park", limit: nil, reason: "r"),
                        mergedInto: nil, handedOffTo: nil, callback: nil, updatedAt: at, masked: false)
        let operator_ = Principal(kind: .staff, id: "op", displayName: "值班员", organisationCode: "411600-CMD", scope: DivisionScope(DivisionCode("411600")!),
                                  roles: [.commandOperator, .dispatcher])
        let samples = [
            CaseDetailDTO(item: CaseDTO(full, for: operator_),
                          timeline: [CaseEventDTO(CaseEvent(seq: 1, at: at, actor: "staff:op", action: "report", fromState: nil, toState: .reported, organisationCode: nil, note: nil)),
                                     CaseEventDTO(CaseEvent(seq: 2, at: at, actor: "system:router", action: "dispatch", fromState: .registered, toState: .dispatched,
                                                            organisationCode: "411602-CMB", note: "按\"规则\"派遣"))],
                          photos: [CaseAttachmentDTO(CaseAttachment(id: "p1", stage: "report", contentType: "image/png", size: 123, sha256: "ab", createdAt: at))],
                          cameras: [NearCameraDTO(code: "C1", name: "七一路口", kind: "ptz", online: true, metres: 42)]),
            CaseDetailDTO(item: CaseDTO(bare, for: Principal(kind: .citizen, id: "c", displayName: "c", organisationCode: nil, scope: nil, roles: [])),
                          timeline: [], photos: [], cameras: []),
        ]
        try Self.expectSameJSON(samples)
    }
}
