import CityCore
import CityStore
import Crypto
import Exchange
import Foundation
import Identity
import Registry
import TestSupport
import Testing
import X509
@testable import Licences

/// The market regulator of the city seals business licences; a district's registry has the holders.
enum LicenceFixture {
    static let migrations = StoreMigrations.all + IdentityMigrations.all + RegistryMigrations.all + ExchangeMigrations.all + LicencesMigrations.all
    static let admin = Principal.commandLine(user: "test")
    static let amrClerk = Principal(kind: .staff, id: "amr.clerk", displayName: "孙丽", organisationCode: "411600-AMR", scope: .city, roles: [.departmentHandler])
    static let regClerk = Principal(kind: .staff, id: "reg.clerk", displayName: "周平", organisationCode: "411600-REG", scope: .city, roles: [.departmentHandler])
    static let countyClerk = Principal(kind: .staff, id: "huaiyang.clerk", displayName: "吴刚", organisationCode: "411603-AMR",
                                       scope: DivisionScope(DivisionCode("411603")!), roles: [.departmentHandler])
    static let origin = AuditOrigin(source: "test")
    static let start = try! Date("2026-11-25T10:00:00+08:00", strategy: .iso8601)
    static let kek = Data((0..<32).map { UInt8($0) })
    static let amrCredit = "11411600MB0000AMR" + String(CreditCode.checkCharacter("11411600MB0000AMR")!)
    static let company = CreditCode("91411602MA0000001" + String(CreditCode.checkCharacter("91411602MA0000001")!))!
    static let person = ResidentID("411602198506126153")!

    static let businessFields = ["kind": "有限责任公司", "legalRepresentative": "王建国", "establishedOn": "2020-05-01",
                                 "address": "周口市川汇区七一路1号", "businessScope": "日用百货销售"]

    struct Desk {
        let store: Store
        let clock: ManualClock
        let seals: SealBook
        let licences: LicenceDesk
    }

    static func with(_ engine: TestEngine, _ body: (Desk) async throws -> Void) async throws {
        try await TestStores.with(engine, migrations: migrations) { store in
            let clock = ManualClock(start)
            try await OrganisationBook(store: store).upsert([
                Organisation(code: "411600-AMR", name: "周口市市场监督管理局", parentCode: nil, divisionCode: .zhoukou, kind: "department"),
                Organisation(code: "411600-REG", name: "周口市不动产登记中心", parentCode: nil, divisionCode: .zhoukou, kind: "centre"),
                Organisation(code: "411603-AMR", name: "淮阳区市场监督管理局", parentCode: nil, divisionCode: DivisionCode("411603")!, kind: "department"),
            ])
            let audit = AuditLog(store: store, clock: clock)
            let persons = PersonRegistry(store: store, audit: audit, clock: clock)
            let entities = EntityRegistry(store: store, audit: audit, clock: clock)
            _ = try await persons.load([PersonSourceRecord(idNumber: person, source: .publicSecurity, receivedAt: start,
                                                           values: [.name: "王建国", .divisionCode: "411602"])], origin: "test", by: admin, audit: .commandLine)
            _ = try await entities.load([EntitySourceRecord(creditCode: company, source: .marketRegulation, receivedAt: start,
                                                            values: [.name: "周口市七一百货有限公司", .kind: "有限责任公司", .divisionCode: "411602", .status: "active"])],
                                        origin: "test", by: admin, audit: .commandLine)
            try await LicenceTypeBook(store: store, clock: clock).registerBuiltIns()
            let seals = SealBook(store: store, clock: clock, vault: try KeyVault(keyEncryptionKey: kek))
            try await body(Desk(store: store, clock: clock, seals: seals,
                                licences: LicenceDesk(store: store, clock: clock, seals: seals, persons: persons, entities: entities)))
        }
    }

    /// A root with the city root's name but another key (DER): what a forger would make.
    static func otherRoot() throws -> Data {
        let key = P256.Signing.PrivateKey()
        let name = try SealNames.subject(organisation: SealBook.rootOrganisation, creditCode: SealBook.rootCreditCode, commonName: SealBook.rootCommonName)
        let certificate = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: start.addingTimeInterval(-86_400),
                                          notValidAfter: start.addingTimeInterval(365 * 86_400), issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                                          extensions: try Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0)) },
                                          issuerPrivateKey: .init(key))
        return try SealNames.der(certificate)
    }

    /// The payload of `token` re-encoded after `change`, the header and signature kept.
    static func tampered(_ token: String, _ change: (inout [String: Any]) -> Void) throws -> String {
        let parts = token.split(separator: ".").map(String.init)
        var payload = try JSONSerialization.jsonObject(with: Base64URL.decode(parts[1])!) as! [String: Any]
        change(&payload)
        let data = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        return [parts[0], Base64URL.encode(data), parts[2]].joined(separator: ".")
    }
}

@Suite("Licences: the identifier, seals, issuing, verifying online and offline, revocation")
struct LicencesTests {
    typealias F = LicenceFixture

    @Test("the national identifier's check character is ISO 7064 MOD 37,36, as on a real housing certificate")
    func identifier() throws {
        let real = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
        let parsed = try LicenceIdentifier.checked(real)
        #expect(parsed.check == "U" && parsed.serial == "20230000403" && parsed.version == 1 && parsed.rawValue == real)
        #expect(throws: LicenceIdentifier.Problem.checkCharacter(expected: "U", found: "V")) { try LicenceIdentifier.checked(String(real.dropLast()) + "V") }
        #expect(throws: LicenceIdentifier.Problem.form) { try LicenceIdentifier.checked("1.2.156.3005.2.abc") }
        // Any single changed character of the body is caught.
        let body = "11100000000013338W01111430000006122244L20230000403001"
        for i in body.indices {
            var chars = Array(body)
            let k = body.distance(from: body.startIndex, to: i)
            chars[k] = chars[k] == "7" ? "8" : "7"
            #expect(LicenceIdentifier.checkCharacter(String(chars)) != "U" || String(chars) == body)
        }
    }

    @Test("a licence sealed with each algorithm verifies offline with only the root certificate and online; any changed byte, a changed field, a wrong check character are refused with the reason",
          arguments: TestEngine.all)
    func issueAndVerify(engine: TestEngine) async throws {
        try await F.with(engine) { desk in
            var otherRoot: Certificate?
            for (n, algorithm) in SealAlgorithm.allCases.enumerated() {
                let seal = try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: algorithm), by: F.admin, origin: F.origin)
                let root = try LicenceVerifier(rootPEM: try await desk.seals.rootPEM()).roots[0]
                if algorithm == .sm2 {
                    // swift-certificates has no SM2 key type: OpenSSL reads it and checks the root's signature.
                    guard case .issued(let read) = SM2Certificates.read(seal.certificate, issuer: try SealNames.der(root)) else {
                        Issue.record("the SM2 seal certificate does not chain to the root")
                        continue
                    }
                    #expect(read.subject.description.contains(F.amrCredit) && read.subject.description.contains("周口市市场监督管理局"))
                    #expect(SealNames.hex(read.serial) == seal.serial)
                    let stranger = try F.otherRoot()
                    guard case .notIssued = SM2Certificates.read(seal.certificate, issuer: stranger) else {
                        Issue.record("another root's check passed")
                        continue
                    }
                } else {
                    let certificate = try Certificate(derEncoded: Array(seal.certificate))
                    #expect(certificate.issuer == root.subject && root.publicKey.isValidSignature(certificate.signature, for: certificate))
                    #expect(certificate.subject.description.contains(F.amrCredit) && certificate.subject.description.contains("周口市市场监督管理局"))
                    otherRoot = otherRoot ?? certificate
                }

                let licence = try await desk.licences.issue(LicenceApplication(type: "business-licence", holderID: F.company.rawValue, fields: F.businessFields,
                                                                               algorithm: algorithm), by: F.amrClerk, origin: F.origin)
                #expect(licence.holderName == "周口市七一百货有限公司" && licence.divisionCode == "411602" && licence.number == "BL4116022026" + String(format: "%07d", n + 1))
                #expect(try LicenceIdentifier.checked(licence.id).issuerCode == F.amrCredit)

                let offline = try LicenceVerifier(rootPEM: try await desk.seals.rootPEM())
                let verdict = offline.verify(licence.jws, status: nil, at: desk.clock.now())
                #expect(verdict.ok && verdict.seal?.algorithm == algorithm && verdict.claims?.fields == F.businessFields && verdict.statusAsOf == nil)
                #expect(try await desk.licences.verify(licence.jws).ok)

                // Every changed byte is refused, offline and online.
                let bytes = Array(licence.jws.utf8)
                for i in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 150)) {
                    var changed = bytes
                    changed[i] = changed[i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
                    let token = String(decoding: changed, as: UTF8.self)
                    #expect(!offline.verify(token, status: nil, at: desk.clock.now()).ok, "byte \(i)")
                }
                // A changed field: offline the signature fails; online the library names the field.
                let moved = try F.tampered(licence.jws) { p in
                    var fields = p["fields"] as! [String: Any]
                    fields["address"] = "周口市川汇区七一路99号"
                    p["fields"] = fields
                }
                #expect(offline.verify(moved, status: nil, at: desk.clock.now()).reason == .badSignature)
                let online = try await desk.licences.verify(moved)
                #expect(online.reason == .alteredField && online.alteredFields == ["fields.address"])
                // A changed signature alone: a bad signature both ways.
                let parts = licence.jws.split(separator: ".")
                var signature = Base64URL.decode(parts[2])!
                signature[5] ^= 1
                let resigned = "\(parts[0]).\(parts[1]).\(Base64URL.encode(signature))"
                #expect(offline.verify(resigned, status: nil, at: desk.clock.now()).reason == .badSignature)
                #expect(try await desk.licences.verify(resigned).reason == .badSignature)
                // A wrong check character in the identifier.
                let wrongCheck = try F.tampered(licence.jws) { p in
                    let id = p["jti"] as! String
                    p["jti"] = String(id.dropLast()) + (id.hasSuffix("0") ? "1" : "0")
                }
                #expect(offline.verify(wrongCheck, status: nil, at: desk.clock.now()).reason == .wrongCheckCharacter)
                // A verifier that trusts another root refuses the seal.
                #expect(LicenceVerifier(roots: [otherRoot!]).verify(licence.jws, status: nil, at: desk.clock.now()).reason == .unknownSeal)
            }
            #expect(try await AuditLog(store: desk.store, clock: desk.clock).verify().problems.isEmpty)
        }
    }

    @Test("suspension, revocation and a revoked seal refuse a licence online at once and offline with the signed status list; a rotated seal's licences stay valid; expiry",
          arguments: TestEngine.all)
    func statusAndSeals(engine: TestEngine) async throws {
        try await F.with(engine) { desk in
            let first = try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: .p256), by: F.admin, origin: F.origin)
            let issue = { (type: String, fields: [String: String]) in
                try await desk.licences.issue(LicenceApplication(type: type, holderID: F.company.rawValue, fields: fields, algorithm: .p256), by: F.amrClerk, origin: F.origin)
            }
            let a = try await issue("business-licence", F.businessFields)
            let b = try await issue("business-licence", F.businessFields)

            _ = try await desk.licences.setStatus(a.id, to: .suspended, reason: "经营场所核查中", by: F.amrClerk, origin: F.origin)
            #expect(try await desk.licences.verify(a.jws).reason == .suspended)
            _ = try await desk.licences.setStatus(a.id, to: .valid, reason: "核查完毕", by: F.amrClerk, origin: F.origin)
            #expect(try await desk.licences.verify(a.jws).ok)
            _ = try await desk.licences.setStatus(b.id, to: .revoked, reason: "以欺骗手段取得登记", by: F.amrClerk, origin: F.origin)
            let revoked = try await desk.licences.verify(b.jws)
            #expect(revoked.reason == .revoked && revoked.detail == "以欺骗手段取得登记")
            await #expect(throws: LicencesError.self) { try await desk.licences.setStatus(b.id, to: .valid, reason: "撤销吊销", by: F.amrClerk, origin: F.origin) }
            await #expect(throws: LicencesError.notIssuer) { try await desk.licences.setStatus(a.id, to: .revoked, reason: "越权", by: F.regClerk, origin: F.origin) }

            // Offline: the status list, sealed by the root, carries the revocation.
            let offline = try LicenceVerifier(rootPEM: try await desk.seals.rootPEM())
            let list = try offline.statusList(try await desk.licences.statusList())
            #expect(list.licences.map(\.id) == [b.id] && list.seals.isEmpty)
            #expect(offline.verify(b.jws, status: list, at: desk.clock.now()).reason == .revoked)
            #expect(offline.verify(a.jws, status: list, at: desk.clock.now()).ok)
            #expect(offline.verify(a.jws, status: list, at: desk.clock.now()).statusAsOf == desk.clock.now())
            let forged = try F.tampered(try await desk.licences.statusList()) { $0["licences"] = [] }
            #expect(throws: LicencesError.self) { try offline.statusList(forged) }

            // A new seal retires the first: what the first sealed stays valid.
            let second = try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: .p256), by: F.admin, origin: F.origin)
            #expect(try await desk.seals.find(first.id)?.state == .retired)
            let c = try await issue("business-licence", F.businessFields)
            let food = try await issue("food-business", ["address": "七一路1号", "mainBusiness": "食品销售经营者", "items": "预包装食品销售"])
            #expect(food.validUntil != nil && food.sealID == second.id)
            #expect(c.sealID == second.id && a.sealID == first.id)
            #expect(try await desk.licences.verify(a.jws).ok && offline.verify(a.jws, status: list, at: desk.clock.now()).ok)

            // Revoking the first seal refuses all it sealed, online at once, offline with the next list.
            _ = try await desk.seals.revoke(first.id, reason: "私钥疑似泄露", by: F.admin, origin: F.origin)
            #expect(try await desk.licences.verify(a.jws).reason == .sealRevoked)
            let next = try offline.statusList(try await desk.licences.statusList())
            #expect(offline.verify(a.jws, status: next, at: desk.clock.now()).reason == .sealRevoked)
            #expect(offline.verify(c.jws, status: next, at: desk.clock.now()).ok)

            // Five years on, the food licence has expired; the business licence has no end.
            desk.clock.advance(by: 5 * 366 * 86_400)
            #expect(try await desk.licences.verify(food.jws).reason == .expired)
            #expect(try await desk.licences.verify(c.jws).ok)
            #expect(try await AuditLog(store: desk.store, clock: desk.clock).verify().problems.isEmpty)
        }
    }

    @Test("issuing checks the issuer, the holder against the registries, the fields and the keys", arguments: TestEngine.all)
    func issuingRules(engine: TestEngine) async throws {
        try await F.with(engine) { desk in
            let app = LicenceApplication(type: "business-licence", holderID: F.company.rawValue, fields: F.businessFields)
            await #expect(throws: LicencesError.noActiveSeal(.ed25519)) { try await desk.licences.issue(app, by: F.amrClerk, origin: F.origin) }
            _ = try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: .ed25519), by: F.admin, origin: F.origin)
            await #expect(throws: IdentityError.self) {
                try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: .ed25519), by: F.amrClerk, origin: F.origin)
            }
            await #expect(throws: LicencesError.self) {
                try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: "11411600MB0000AMR0", algorithm: .ed25519), by: F.admin, origin: F.origin)
            }
            await #expect(throws: LicencesError.notIssuer) { try await desk.licences.issue(app, by: F.regClerk, origin: F.origin) }
            var wrong = app
            wrong.holderName = "别的公司"
            await #expect(throws: LicencesError.holderNameMismatch) { try await desk.licences.issue(wrong, by: F.amrClerk, origin: F.origin) }
            wrong = app
            wrong.holderID = "91411602MA0000002" + String(CreditCode.checkCharacter("91411602MA0000002")!)
            await #expect(throws: LicencesError.unknownHolder) { try await desk.licences.issue(wrong, by: F.amrClerk, origin: F.origin) }
            wrong = app
            wrong.holderID = F.person.rawValue
            await #expect(throws: LicencesError.self) { try await desk.licences.issue(wrong, by: F.amrClerk, origin: F.origin) }
            wrong = app
            wrong.fields["establishedOn"] = "2020-02-30"
            await #expect(throws: LicencesError.invalidField("fields.establishedOn", zh: "成立日期应为 YYYY-MM-DD 格式的日期", en: "establishedOn must be a date, YYYY-MM-DD")) {
                try await desk.licences.issue(wrong, by: F.amrClerk, origin: F.origin)
            }
            wrong = app
            wrong.fields["colour"] = "红"
            await #expect(throws: LicencesError.self) { try await desk.licences.issue(wrong, by: F.amrClerk, origin: F.origin) }
            let licence = try await desk.licences.issue(app, by: F.amrClerk, origin: F.origin)

            // A person holder: the name is confirmed against the registry without disclosing it.
            _ = try await desk.seals.create(NewSeal(organisationCode: "411600-REG", creditCode: F.amrCredit, algorithm: .ed25519), by: F.admin, origin: F.origin)
            let home = LicenceApplication(type: "real-estate", holderID: F.person.rawValue, holderName: "王建国",
                                          fields: ["location": "七一路1号院2号楼301", "unitNumber": "411602001001GB00001F00010001", "rightType": "国有建设用地使用权/房屋所有权",
                                                   "use": "住宅", "area": "118.5"])
            let deed = try await desk.licences.issue(home, by: F.regClerk, origin: F.origin)
            #expect(deed.holderKind == .person && deed.number.hasPrefix("RE411602"))
            var stranger = home
            stranger.holderName = "王建军"
            await #expect(throws: LicencesError.holderNameMismatch) { try await desk.licences.issue(stranger, by: F.regClerk, origin: F.origin) }

            // Scope: the county's clerk sees neither; the holder's list is the city clerk's.
            await #expect(throws: LicencesError.unknownLicence) { try await desk.licences.find(licence.id, by: F.countyClerk, origin: F.origin) }
            #expect(try await desk.licences.licences(of: F.company.rawValue, by: F.amrClerk, origin: F.origin).map(\.id) == [licence.id])
            #expect(try await desk.licences.licences(of: F.company.rawValue, by: F.countyClerk, origin: F.origin).isEmpty)

            // Another key-encryption key opens nothing, and says so.
            let stranger2 = SealBook(store: desk.store, clock: desk.clock, vault: try KeyVault(keyEncryptionKey: Data(repeating: 7, count: 32)))
            await #expect(throws: LicencesError.self) {
                try await stranger2.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: .p256), by: F.admin, origin: F.origin)
            }
            // The root certificate is public: reading it opens no key.
            #expect(try await stranger2.rootPEM() == desk.seals.rootPEM())
            let changes = try await ChangeLog(store: desk.store).changes(after: 0, recordTypes: ["licence"])
            #expect(changes.map(\.recordKey) == [licence.id, deed.id])
        }
    }

    @Test("a type defined by an administrator issues, seals and verifies like a built-in one; its fields are checked", arguments: TestEngine.all)
    func definedType(engine: TestEngine) async throws {
        try await F.with(engine) { desk in
            _ = try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: .ed25519), by: F.admin, origin: F.origin)
            let book = LicenceTypeBook(store: desk.store, clock: desk.clock)
            let typeCode = "11100000MB0040000" + String(CreditCode.checkCharacter("11100000MB0040000")!) + "001"
            let fishing = LicenceType(code: "fishing-licence", name: "捕捞许可证", nameEn: "Fishing licence", shortCode: "FL", typeCode: typeCode, issuerCode: "411600-AMR",
                                      holderKinds: [.entity], fields: [.init("waters", "作业水域", required: true), .init("tonnage", "吨位", .number)], validYears: 5)
            await #expect(throws: IdentityError.self) { try await book.define(fishing, by: F.amrClerk, origin: F.origin) }
            _ = try await book.define(fishing, by: F.admin, origin: F.origin)
            await #expect(throws: LicencesError.invalidField("fields.tonnage", zh: "吨位应为非负数", en: "tonnage must be a non-negative number")) {
                try await desk.licences.issue(LicenceApplication(type: "fishing-licence", holderID: F.company.rawValue, fields: ["waters": "沙颍河周口段", "tonnage": "many"],
                                                                 algorithm: .ed25519), by: F.amrClerk, origin: F.origin)
            }
            let licence = try await desk.licences.issue(LicenceApplication(type: "fishing-licence", holderID: F.company.rawValue, fields: ["waters": "沙颍河周口段", "tonnage": "12.5"],
                                                                           algorithm: .ed25519), by: F.amrClerk, origin: F.origin)
            #expect(licence.number.hasPrefix("FL411602") && licence.id.hasPrefix("1.2.156.3005.2.\(typeCode).\(F.amrCredit)."))
            let verdict = try LicenceVerifier(rootPEM: try await desk.seals.rootPEM()).verify(licence.jws, status: nil, at: desk.clock.now())
            #expect(verdict.ok && verdict.claims?.typeName == "捕捞许可证" && verdict.claims?.fields["waters"] == "沙颍河周口段")
            #expect(licence.validUntil == ChinaTime.calendar.date(byAdding: .year, value: 5, to: licence.validFrom))
        }
    }

    @Test("other persons' names and ID numbers in a licence's fields are masked for staff outside the issuing organisation; an ID number field must be a valid one",
          arguments: TestEngine.all)
    func personalFields(engine: TestEngine) async throws {
        try await F.with(engine) { desk in
            try await OrganisationBook(store: desk.store).upsert([
                Organisation(code: "411600-HEALTH", name: "周口市卫生健康委员会", parentCode: nil, divisionCode: .zhoukou, kind: "department"),
            ])
            let healthCredit = "11411600MB000HLTH" + String(CreditCode.checkCharacter("11411600MB000HLTH")!)
            _ = try await desk.seals.create(NewSeal(organisationCode: "411600-HEALTH", creditCode: healthCredit, algorithm: .ed25519), by: F.admin, origin: F.origin)
            let healthClerk = Principal(kind: .staff, id: "health.clerk", displayName: "赵敏", organisationCode: "411600-HEALTH", scope: .city, roles: [.departmentHandler])
            let mother = "41160219900101002" + String(ResidentID.checkCharacter("41160219900101002"))
            var fields = ["birthDate": "2026-11-20", "birthPlace": "周口市中心医院", "motherName": "李秀英", "motherIdNumber": "41160219900101002X",
                          "institution": "周口市中心医院"]
            if mother.hasSuffix("X") { fields["motherIdNumber"] = "411602199001010021" }
            await #expect(throws: LicencesError.invalidField("fields.motherIdNumber", zh: "母亲身份证件号码不是有效的公民身份号码", en: "motherIdNumber is not a valid resident ID number")) {
                try await desk.licences.issue(LicenceApplication(type: "birth-medical", holderID: F.person.rawValue, holderName: "王建国", fields: fields, algorithm: .ed25519),
                                              by: healthClerk, origin: F.origin)
            }
            fields["motherIdNumber"] = mother.lowercased()
            let licence = try await desk.licences.issue(LicenceApplication(type: "birth-medical", holderID: F.person.rawValue, holderName: "王建国", fields: fields,
                                                                           algorithm: .ed25519), by: healthClerk, origin: F.origin)
            #expect(licence.fields["motherIdNumber"] == mother && licence.fields["motherName"] == "李秀英")
            let own = try await desk.licences.find(licence.id, by: healthClerk, origin: F.origin)
            #expect(own.fields == licence.fields && !own.jws.isEmpty)
            let other = try await desk.licences.find(licence.id, by: F.amrClerk, origin: F.origin)
            #expect(other.fields["motherName"] == "李**" && other.fields["motherIdNumber"] == Mask.idNumber(mother) && other.fields["birthPlace"] == "周口市中心医院")
            #expect(other.jws.isEmpty && other.holderID == Mask.idNumber(F.person.rawValue))
            let listed = try await desk.licences.licences(of: F.person.rawValue, by: F.amrClerk, origin: F.origin)
            #expect(listed.map(\.fields) == [other.fields])
        }
    }

    @Test("the licence library is a catalogue resource: another department reads a holder's licences under a grant, and the issuing and the revocation reach it as change events",
          arguments: TestEngine.all)
    func throughTheExchange(engine: TestEngine) async throws {
        try await F.with(engine) { desk in
            _ = try await desk.seals.create(NewSeal(organisationCode: "411600-AMR", creditCode: F.amrCredit, algorithm: .ed25519), by: F.admin, origin: F.origin)
            let licence = try await desk.licences.issue(LicenceApplication(type: "business-licence", holderID: F.company.rawValue, fields: F.businessFields),
                                                        by: F.amrClerk, origin: F.origin)
            try await ResourceCatalogue(store: desk.store, clock: desk.clock).registerBuiltIns(BuiltInResources.all(at: desk.clock.now()))
            let sources: [String: any RowSource] = ["licences": LicenceSources.licences(desk.store)]
            let gateway = DataGateway(store: desk.store, clock: desk.clock, sources: sources)
            await #expect(throws: ExchangeError.noGrant) {
                try await gateway.query("licences", DataQuery(filters: ["holderId": F.company.rawValue]), by: F.regClerk, origin: F.origin)
            }
            let sharing = SharingDesk(store: desk.store, clock: desk.clock, keys: APIKeyRing(store: desk.store, clock: desk.clock))
            try await sharing.grantStanding("licences", to: "411600-REG", purpose: "不动产登记核验营业执照", days: 30, by: F.admin)
            let answer = try await gateway.query("licences", DataQuery(filters: ["holderId": F.company.rawValue]), by: F.regClerk, origin: F.origin)
            let body = try JSONSerialization.jsonObject(with: answer.body) as! [String: Any]
            let rows = body["rows"] as! [[String: Any]]
            #expect(rows.count == 1 && rows[0]["id"] as? String == licence.id && rows[0]["jws"] as? String == licence.jws && rows[0]["status"] as? String == "valid")

            _ = try await desk.licences.setStatus(licence.id, to: .revoked, reason: "以欺骗手段取得登记", by: F.amrClerk, origin: F.origin)
            let book = SubscriptionBook(store: desk.store, clock: desk.clock, sources: sources)
            let feed = try await book.feed(resource: "licences", after: 0, by: F.regClerk, origin: F.origin)
            #expect(feed.events.count == 2)
            let last = try JSONSerialization.jsonObject(with: Data(feed.events[1].body.utf8)) as! [String: Any]
            let data = last["data"] as! [String: Any]
            let record = data["record"] as! [String: Any]
            #expect(data["key"] as? String == "411602:\(licence.id)" && data["operation"] as? String == "updated" && record["status"] as? String == "revoked")
        }
    }
}

