import CityApp
import CityCore
import CityHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@Suite("Licence types by configuration: the API, the types file, on every engine")
struct LicencesAPITests {
    static let fishing = #"""
        {"name":"捕捞许可证","nameEn":"Fishing licence","shortCode":"FL","typeCode":"11100000MB00400001001","issuerCode":"411600-AMR",
         "holderKinds":["person","entity"],"validYears":5,
         "fields":[{"name":"waters","title":"作业水域","kind":"text","required":true},{"name":"vessel","title":"渔船","kind":"text"},
                   {"name":"guardianName","title":"监护人","kind":"personName"}]}
        """#

    @Test("an administrator defines a type over the API (audited); a handler may not; a wrong kind, code or organisation is refused naming the field",
          arguments: TestEngine.all)
    func defineOverTheAPI(engine: TestEngine) async throws {
        try await Harness.run(engine) { client, opened in
            let admin = try await client.token("admin", Harness.adminPassword)
            let typeCode = "11100000MB0040000" + String(CreditCode.checkCharacter("11100000MB0040000")!) + "001"
            let body = Self.fishing.replacingOccurrences(of: "11100000MB00400001001", with: typeCode)
            func put(_ code: String, _ json: String, _ token: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/licences/types/\(code)", method: .put, headers: [.contentType: "application/json", .authorization: "Bearer \(token)"],
                                         body: ByteBuffer(string: json))
            }
            let defined = try await put("fishing-licence", body, admin)
            #expect(defined.status == .ok, "\(defined.text)")
            #expect(defined.json["shortCode"] as? String == "FL" && (defined.json["fields"] as? [[String: Any]])?.last?["kind"] as? String == "personName")
            let handler = try await client.token("handler")
            try await put("fishing-licence", body, handler).expectProblem(.forbidden, code: "identity.forbidden-role")
            try await put("fishing-licence", body.replacingOccurrences(of: #""kind":"personName""#, with: #""kind":"secret""#), admin)
                .expectProblem(.badRequest, code: "licences.invalid-field", field: "fields[2].kind")
            try await put("Fishing Licence", body, admin).expectProblem(.badRequest, code: "licences.invalid-field", field: "code")
            try await put("fishing-licence", body.replacingOccurrences(of: "411600-AMR", with: "411600-NOPE"), admin)
                .expectProblem(.unprocessableContent, code: "licences.unknown-organisation")
            try await put("fishing-licence", body.replacingOccurrences(of: typeCode, with: "11100000MB00400000001"), admin)
                .expectProblem(.badRequest, code: "licences.invalid-field", field: "typeCode")
            let types = try await client.get("/api/v1/licences/types", token: handler).json["items"] as? [[String: Any]] ?? []
            #expect(types.contains { $0["code"] as? String == "fishing-licence" && $0["issuerCode"] as? String == "411600-AMR" })
            let audit = try await opened.platform.audit.entries(recordType: "licence-type", recordID: "fishing-licence")
            #expect(audit.contains { $0.action == "licences.type.define" && $0.recordID == "fishing-licence" })
        }
    }

    @Test("licences.typesFile defines its types at every start; a file that does not read stops the start, naming it", arguments: [TestEngine.sqlite])
    func typesFile(engine: TestEngine) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cityhub-types-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let typeCode = "11100000MB0040000" + String(CreditCode.checkCharacter("11100000MB0040000")!) + "001"
        let file = folder.appendingPathComponent("types.json")
        let definition = Self.fishing.replacingOccurrences(of: "11100000MB00400001001", with: typeCode)
            .replacingOccurrences(of: #"{"name":"捕捞许可证""#, with: #"{"code":"fishing-licence","name":"捕捞许可证""#)
        try Data(("[" + definition + "]").utf8).write(to: file)
        try await Harness.run(engine, configure: { $0.licencesTypesFile = file.path }) { client, _ in
            let handler = try await client.token("handler")
            let types = try await client.get("/api/v1/licences/types", token: handler).json["items"] as? [[String: Any]] ?? []
            #expect(types.contains { $0["code"] as? String == "fishing-licence" && $0["validYears"] as? Int == 5 })
        }
        try Data("[{\"code\":\"x\"}]".utf8).write(to: file)
        await #expect(throws: (any Error).self) {
            try await Harness.run(engine, configure: { $0.licencesTypesFile = file.path }) { _, _ in }
        }
    }
}
