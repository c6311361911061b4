import CityCore
import CityStore
import Foundation
import SQLKit
import X509

extension SealBook {
    /// The seal maker's name: it signs the GB/T 38540 seal structures for the city's seal authority.
    public static let makerCommonName = "周口市电子印章制章者 CityHub Seal Maker"

    struct Maker {
        let id: String
        let certificate: Data
        let key: SM2Key

        init(_ authority: Authority) throws {
            guard case .sm2(let key) = authority.key.backing else { throw SM2Error.notSM2("seal maker's key") }
            id = authority.id
            certificate = authority.der
            self.key = key
        }
    }

    /// The active seal maker (SM2, certified by the root for 10 years), made on first use. Two
    /// processes making it at once keep one: the insert decides.
    func maker() async throws -> Maker {
        if let maker = try await activeAuthority("maker") { return try Maker(maker) }
        let root = try await root()
        let sm2 = try SM2Key.generate()
        let now = clock.now()
        let der = try SM2Certificates.issue(key: sm2, subject: try SealNames.subject(organisation: Self.rootOrganisation, creditCode: Self.rootCreditCode,
                                                                                    commonName: Self.makerCommonName),
                                            serial: Self.newSerial(), notBefore: now.addingTimeInterval(-300), notAfter: now.addingTimeInterval(10 * 365.25 * 86_400),
                                            issuer: root.der, issuerKey: try root.key.pkcs8)
        return try Maker(try await keepAuthority(id: "maker-1", role: "maker", key: SealKey(backing: .sm2(sm2)), certificate: der, at: now))
    }

    /// 20 random bytes whose first is 0x40 to 0x7f: positive, and written the same by every
    /// encoder (no leading zero for OpenSSL to drop), so the hex in the status list matches.
    static func newSerial() -> [UInt8] {
        var bytes = (0..<20).map { _ in UInt8.random(in: 0...255) }
        bytes[0] = 0x40 | (bytes[0] & 0x3f)
        return bytes
    }

    /// An SM2 seal as GB/T 38540's `SESeal`: its certificate as the one who may seal with it, its
    /// validity, its picture (SVG, 40 mm), signed by the seal maker.
    func gbSeal(_ seal: Seal) async throws -> SESeal {
        guard seal.algorithm == .sm2 else {
            throw LicencesError.invalidField("algorithm", zh: "只有 SM2 印章可写为 GB/T 38540 电子印章", en: "only SM2 seals are written as GB/T 38540 seals")
        }
        let maker = try await maker()
        func second(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
        let info = SESSealInfo(
            esID: seal.id,
            property: SESPropertyInfo(type: 1, name: "\(seal.organisationName)电子印章", certificates: [Array(seal.certificate)],
                                      createDate: second(seal.createdAt), validStart: second(seal.notBefore), validEnd: second(seal.notAfter)),
            picture: SESPictureInfo(type: "SVG", data: Array(SealPicture.svg(organisation: seal.organisationName, serial: seal.serial).utf8), width: 40, height: 40))
        return try SESeal(info, certificate: Array(maker.certificate), signer: maker.key)
    }

    /// The seal `id` as a GB/T 38540 `SESeal` (DER), for verifiers that read the national
    /// structure. Public, as the seal's certificate and picture are.
    public func gbSealDER(_ id: String) async throws -> Data {
        guard let seal = try await find(id) else { throw LicencesError.unknownSeal }
        return Data(try GBSeal.der(try await gbSeal(seal)))
    }
}
