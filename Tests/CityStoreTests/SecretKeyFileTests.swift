@testable import CityStore
import Foundation
import Testing

@Suite("Secret key files")
struct SecretKeyFileTests {
    func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("cityhub-keyfile-\(UUID().uuidString)").appendingPathComponent("keys")
    }

    @Test("a missing file is made 0600 in a 0700 folder, and read back the same afterwards")
    func createsThenReads() throws {
        let file = folder().appendingPathComponent("k.key")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent().deletingLastPathComponent()) }
        let first = try SecretKeyFile.load(file, length: 32) { Data(repeating: 7, count: 32) }
        #expect(first.created && first.key == Data(repeating: 7, count: 32))
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let folderAttributes = try FileManager.default.attributesOfItem(atPath: file.deletingLastPathComponent().path)
        #expect((folderAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        let second = try SecretKeyFile.load(file, length: 32) { Data(repeating: 9, count: 32) }
        #expect(!second.created && second.key == first.key)
    }

    @Test("a file that holds no key is refused and left as it is")
    func refusesMalformed() throws {
        let folder = folder()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("k.key")
        try Data("not a key\n".utf8).write(to: file)
        #expect(throws: SecretKeyFile.Failure.malformed(path: file.path, length: 32)) {
            _ = try SecretKeyFile.load(file, length: 32) { Data(repeating: 7, count: 32) }
        }
        #expect(throws: SecretKeyFile.Failure.self) {
            _ = try AuditNotary.load(keyFile: file, checkpointFile: folder.appendingPathComponent("c.jsonl"))
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == "not a key\n")
    }

    @Test("processes starting together share one key")
    func racing() async throws {
        let file = folder().appendingPathComponent("k.key")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent().deletingLastPathComponent()) }
        let keys = try await withThrowingTaskGroup(of: Data.self) { group in
            for i in 0..<8 { group.addTask { try SecretKeyFile.load(file, length: 32) { Data(repeating: UInt8(i), count: 32) }.key } }
            return try await group.reduce(into: Set<Data>()) { $0.insert($1) }
        }
        #expect(keys.count == 1)
    }
}
