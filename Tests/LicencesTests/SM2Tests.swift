import Crypto
import Foundation
@testable import Licences
import Testing
import X509

/// SM2 with SM3 through the system's OpenSSL, checked against the openssl command (a separate
/// program, reading the files as any other verifier would).
@Suite("SM2 seals, checked by the openssl command")
struct SM2Tests {
    static func openssl(_ arguments: [String], in folder: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sm2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("our signatures verify with openssl dgst -sm3 and the identifier 1234567812345678; openssl's verify with ours; a changed byte fails")
    func signatures() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = try SM2Key.generate()
        let message = Data("周口市 licence signing input \(UUID())".utf8)
        let signature = try key.sign(message)
        #expect(signature.count == 64 && key.isValid(signature, for: message))
        var changed = signature
        changed[10] ^= 1
        #expect(!key.isValid(changed, for: message))
        #expect(!key.isValid(signature, for: message + Data([0])))
        // The private key survives its PKCS#8 form; the public key its SubjectPublicKeyInfo.
        let reloaded = try SM2Key(privateDER: try key.privateDER)
        let verifier = try SM2Key(publicDER: try key.publicDER)
        #expect(verifier.isValid(try reloaded.sign(message), for: message))

        try message.write(to: folder.appendingPathComponent("message"))
        try key.publicDER.write(to: folder.appendingPathComponent("public.der"))
        try SM2Key.derSignature(signature).write(to: folder.appendingPathComponent("signature.der"))
        let ours = try Self.openssl(["dgst", "-sm3", "-verify", "public.der", "-keyform", "DER", "-sigopt", "distid:1234567812345678",
                                     "-signature", "signature.der", "message"], in: folder)
        #expect(ours.status == 0 && ours.output.contains("Verified OK"), "\(ours.output)")
        try SM2Key.derSignature(changed).write(to: folder.appendingPathComponent("changed.der"))
        let refused = try Self.openssl(["dgst", "-sm3", "-verify", "public.der", "-keyform", "DER", "-sigopt", "distid:1234567812345678",
                                        "-signature", "changed.der", "message"], in: folder)
        #expect(refused.status != 0)

        try key.privateDER.write(to: folder.appendingPathComponent("private.der"))
        #expect(try Self.openssl(["pkey", "-inform", "DER", "-in", "private.der", "-out", "private.pem"], in: folder).status == 0)
        let signed = try Self.openssl(["dgst", "-sm3", "-sign", "private.pem", "-sigopt", "distid:1234567812345678", "-out", "theirs.der", "message"], in: folder)
        #expect(signed.status == 0, "\(signed.output)")
        let theirs = try Data(contentsOf: folder.appendingPathComponent("theirs.der"))
        #expect(key.isValid(derSignature: theirs, for: message))
        #expect(!key.isValid(derSignature: theirs, for: message + Data([0])))
    }

    @Test("an SM2 seal certificate issued by the P-256 root passes openssl verify against the root and names the SM2 curve; a stranger root fails")
    func certificates() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func root() throws -> (der: Data, key: P256.Signing.PrivateKey) {
            let key = P256.Signing.PrivateKey()
            let name = try SealNames.subject(organisation: SealBook.rootOrganisation, creditCode: SealBook.rootCreditCode, commonName: SealBook.rootCommonName)
            let certificate = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: Date(timeIntervalSince1970: 1_760_000_000),
                                              notValidAfter: Date(timeIntervalSince1970: 1_900_000_000), issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                                              extensions: try Certificate.Extensions {
                                                  Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                                                  Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                                                  SubjectKeyIdentifier(hash: .init(key.publicKey))
                                              },
                                              issuerPrivateKey: .init(key))
            return (try SealNames.der(certificate), key)
        }
        let city = try root(), stranger = try root()
        let key = try SM2Key.generate()
        let serial: [UInt8] = [0x41] + (1..<20).map { UInt8($0) }
        let notBefore = Date(timeIntervalSince1970: 1_790_000_000), notAfter = Date(timeIntervalSince1970: 1_890_000_000)
        let der = try SM2Certificates.issue(key: key, subject: try SealNames.subject(organisation: "周口市市场监督管理局", creditCode: "11411600MB0000AMR5", commonName: "周口市市场监督管理局电子印章"),
                                            serial: serial, notBefore: notBefore, notAfter: notAfter, issuer: city.der, issuerKey: city.key.derRepresentation)
        guard case .issued(let read) = SM2Certificates.read(der, issuer: city.der) else {
            Issue.record("the certificate does not read back")
            return
        }
        #expect(read.serial == serial && read.notBefore == notBefore && read.notAfter == notAfter)
        #expect(SealNames.organisation(of: read.subject) == "周口市市场监督管理局" && SealNames.creditCode(of: read.subject) == "11411600MB0000AMR5")
        let message = Data("x".utf8)
        #expect(read.key.isValid(try key.sign(message), for: message))
        guard case .notIssued = SM2Certificates.read(der, issuer: stranger.der) else {
            Issue.record("a stranger root's check passed")
            return
        }
        guard case .notSM2 = SM2Certificates.read(city.der, issuer: city.der) else {
            Issue.record("a P-256 certificate read as SM2")
            return
        }

        func pem(_ der: Data) -> String {
            "-----BEGIN CERTIFICATE-----\n" + der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed]) + "\n-----END CERTIFICATE-----\n"
        }
        try pem(city.der).write(to: folder.appendingPathComponent("root.pem"), atomically: true, encoding: .utf8)
        try pem(stranger.der).write(to: folder.appendingPathComponent("stranger.pem"), atomically: true, encoding: .utf8)
        try pem(der).write(to: folder.appendingPathComponent("seal.pem"), atomically: true, encoding: .utf8)
        let at = "-attime"
        let when = String(Int(notBefore.timeIntervalSince1970) + 3_600)
        let verified = try Self.openssl(["verify", at, when, "-CAfile", "root.pem", "seal.pem"], in: folder)
        #expect(verified.status == 0 && verified.output.contains("seal.pem: OK"), "\(verified.output)")
        #expect(try Self.openssl(["verify", at, when, "-CAfile", "stranger.pem", "seal.pem"], in: folder).status != 0)
        let text = try Self.openssl(["x509", "-in", "seal.pem", "-noout", "-text"], in: folder).output
        #expect(text.contains("SM2") && text.contains("Digital Signature, Non Repudiation") && text.contains("CA:FALSE"), "\(text)")
    }
}
