import Foundation
import Licences
import Testing

@Suite("QR codes, decoded by zbarimg")
struct QRCodeTests {
    /// Decodes a PNG with zbarimg (Debian's zbar-tools), an independent reader.
    static func zbar(_ png: Data) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString).png")
        try png.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", file.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    @Test("texts from one byte to 2 KB, at every level, decode to themselves; versions 1 to 40 are reached")
    func roundTrip() throws {
        var versions: Set<Int> = []
        for (length, level) in [(1, QRCode.Level.medium), (17, .low), (40, .high), (90, .quartile), (150, .medium), (300, .low), (600, .medium),
                                (1_000, .quartile), (1_400, .medium), (2_300, .medium), (2_900, .low)] {
            let text = String((0..<length).map { i in Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz/:?=&.-_")[(i * 7 + length) % 70] })
            let code = try QRCode(text, level: level)
            versions.insert(code.version)
            #expect(try Self.zbar(code.png(scale: 3)) == text, "length \(length) level \(level) version \(code.version)")
        }
        #expect(versions.contains(1) && versions.contains(40))
        #expect(throws: QRCode.Problem.tooLong(3_000)) { try QRCode(String(repeating: "a", count: 3_000), level: .low) }
        let svg = try QRCode("https://cityhub.example/verify").svg()
        #expect(svg.hasPrefix("<svg") && svg.contains("<path"))
    }
}
