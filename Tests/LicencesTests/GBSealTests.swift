import CityCore
import Foundation
@testable import Licences
import SwiftASN1
import TestSupport
import Testing
import X509

private typealias F = LicenceFixture

@Suite("GB/T 38540 seals and signatures (SESeal, SES_Signature)")
struct GBSealTests {
    @Test("an SM2 licence carries a SES_Signature that verifies offline with only the root, round-trips through DER byte for byte, and fails for the right reason when altered",
          arguments: TestEngine.all)
    func sesSignature(engine: TestEngine) async throws {
        try await F.with(engine) { desk in
            let seal = try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: .sm2), by: F.admin, origin: F.origin)
            let licence = try await desk.licences.issue(LicenceApplication(type: "business-licence", holderID: F.company.rawValue, fields: F.businessFields,
                                                                           algorithm: .sm2), by: F.amrClerk, origin: F.origin)
            let der = try #require(licence.sesSignature)
            let input = Data(licence.jws.utf8[..<licence.jws.utf8.lastIndex(of: UInt8(ascii: "."))!])
            let roots = try LicenceVerifier(rootPEM: try await desk.seals.rootPEM()).roots
            let verifier = try GBSealVerifier(roots: roots)
            let verdict = verifier.verify(der, data: input)
            #expect(verdict.ok && verdict.dataChecked && verdict.sealID == seal.id && verdict.organisation == "周口市市场监督管理局")
            #expect(verdict.property == "licence:" + licence.id && verdict.sealName == "周口市市场监督管理局电子印章")
            #expect(verdict.signedAt == Date(timeIntervalSince1970: desk.clock.now().timeIntervalSince1970.rounded(.down)))

            // DER round trip: read and written again, the same bytes; the parts as they were made.
            let parsed = try SESSignature(derEncoded: Array(der))
            #expect(try GBSeal.der(parsed) == Array(der))
            #expect(parsed.toSign.seal.sealInfo.header == SESHeader() && parsed.toSign.seal.sealInfo.property.certificates == [Array(seal.certificate)])
            #expect(parsed.toSign.dataHash == SM3.hash(input) && parsed.certificate == Array(seal.certificate))
            #expect(String(decoding: parsed.toSign.seal.sealInfo.picture.data, as: UTF8.self).hasPrefix("<svg"))
            let sealDER = try await desk.seals.gbSealDER(seal.id)
            let readSeal = try SESeal(derEncoded: Array(sealDER))
            #expect(try GBSeal.der(readSeal) == Array(sealDER) && readSeal.sealInfo == parsed.toSign.seal.sealInfo)

            // Other data, an altered byte anywhere, another root: refused, with the reason.
            #expect(verifier.verify(der, data: input + Data("x".utf8)).reason == .dataMismatch)
            #expect(verifier.verify(der).ok && !verifier.verify(der).dataChecked)
            var reasons: Set<GBSealVerdict.Reason> = []
            let bytes = Array(der)
            for i in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
                var changed = bytes
                changed[i] ^= 0x01
                let v = verifier.verify(Data(changed), data: input)
                #expect(!v.ok, "byte \(i) of \(bytes.count)")
                reasons.insert(v.reason)
            }
            #expect(reasons.isSuperset(of: [.malformed, .badSealSignature, .badSignature]), "\(reasons)")
            let stranger = try GBSealVerifier(roots: [try Certificate(derEncoded: Array(try F.otherRoot()))])
            #expect(stranger.verify(der, data: input).reason == .unknownMaker)
            // A P-256 or Ed25519 licence has none; a non-SM2 seal is not written as one.
            _ = try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: .p256), by: F.admin, origin: F.origin)
            let p256 = try await desk.licences.issue(LicenceApplication(type: "business-licence", holderID: F.company.rawValue, fields: F.businessFields,
                                                                        algorithm: .p256), by: F.amrClerk, origin: F.origin)
            #expect(p256.sesSignature == nil)
            let p256Seal = try await desk.seals.list(organisation: "411600-AMR", by: F.admin).first { $0.algorithm == .p256 }!
            await #expect(throws: LicencesError.self) { try await desk.seals.gbSealDER(p256Seal.id) }
            // The maker is not a root: verifiers do not trust it for seal certificates.
            #expect(try await desk.seals.rootCertificates().count == 1)

            // Suspending the licence, then revoking its seal: refused online at once and offline with the status list.
            #expect(try await desk.licences.verifyGB(der, licence: licence.jws).ok)
            _ = try await desk.licences.setStatus(licence.id, to: .suspended, reason: "核查中", by: F.amrClerk, origin: F.origin)
            let suspended = try await desk.licences.verifyGB(der, licence: licence.jws)
            #expect(suspended.reason == .suspended && suspended.detail == "核查中")
            let list = try LicenceVerifier(roots: roots).statusList(try await desk.licences.statusList())
            #expect(verifier.verify(der, data: input, status: list).reason == .suspended)
            _ = try await desk.seals.revoke(seal.id, reason: "私钥疑似泄露", by: F.admin, origin: F.origin)
            #expect(try await desk.licences.verifyGB(der, licence: licence.jws).reason == .sealRevoked)
            let later = try LicenceVerifier(roots: roots).statusList(try await desk.licences.statusList())
            #expect(verifier.verify(der, data: input, status: later).reason == .sealRevoked)
        }
    }

    @Test("the openssl command reads the structures and names SM2 with SM3")
    func opensslReads() async throws {
        try await F.with(.sqlite) { desk in
            _ = try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: .sm2), by: F.admin, origin: F.origin)
            let licence = try await desk.licences.issue(LicenceApplication(type: "business-licence", holderID: F.company.rawValue, fields: F.businessFields,
                                                                           algorithm: .sm2), by: F.amrClerk, origin: F.origin)
            let folder = try SM2Tests.folder()
            defer { try? FileManager.default.removeItem(at: folder) }
            try licence.sesSignature!.write(to: folder.appendingPathComponent("ses.der"))
            let parsed = try SM2Tests.openssl(["asn1parse", "-inform", "DER", "-in", "ses.der", "-i"], in: folder)
            #expect(parsed.status == 0, "\(parsed.output)")
            #expect(parsed.output.contains("SM2-with-SM3") && parsed.output.contains(":ES") && parsed.output.contains("GENERALIZEDTIME"), "\(parsed.output.prefix(3000))")
        }
    }
}
