import CityCore
import CityStore
import Foundation
import Identity
import SQLKit

/// Whom a licence can be issued to: a person (by resident ID number) or a legal entity (by credit code).
public enum HolderKind: String, Sendable, Codable, CaseIterable {
    case person, entity
}

/// A licence type: its fields, the holders it takes, the one organisation allowed to issue it,
/// and the national type code (the defining body's credit code and a 3-digit sequence).
public struct LicenceType: Sendable, Codable, Equatable {
    public struct Field: Sendable, Codable, Equatable {
        /// `personName` and `idNumber` hold a person's data other than the holder's (a parent on a
        /// birth certificate): staff outside the issuing organisation see them masked.
        public enum Kind: String, Sendable, Codable, CaseIterable { case text, date, number, personName, idNumber }
        public let name: String
        public let title: String
        public let kind: Kind
        public let required: Bool

        public init(_ name: String, _ title: String, _ kind: Kind = .text, required: Bool = false) {
            self.name = name
            self.title = title
            self.kind = kind
            self.required = required
        }

        enum CodingKeys: String, CodingKey { case name, title, kind, required }

        /// In a definition file `kind` defaults to text and `required` to false.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(try c.decode(String.self, forKey: .name), try c.decode(String.self, forKey: .title),
                      try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .text, required: try c.decodeIfPresent(Bool.self, forKey: .required) ?? false)
        }
    }

    /// `business-licence`.
    public let code: String
    public let name: String
    public let nameEn: String
    /// Two capitals that begin the human-friendly number (`BL`).
    public let shortCode: String
    public let typeCode: String
    public let issuerCode: String
    public let holderKinds: [HolderKind]
    public let fields: [Field]
    /// Years a licence is valid from issue; nil: until revoked (长期).
    public let validYears: Int?

    public init(code: String, name: String, nameEn: String, shortCode: String, typeCode: String, issuerCode: String, holderKinds: [HolderKind],
                fields: [Field], validYears: Int?) {
        self.code = code
        self.name = name
        self.nameEn = nameEn
        self.shortCode = shortCode
        self.typeCode = typeCode
        self.issuerCode = issuerCode
        self.holderKinds = holderKinds
        self.fields = fields
        self.validYears = validYears
    }

    /// A national type code: a defining body's credit code and a sequence, with the credit code's
    /// check character computed (the demo's defining bodies are marked as such in the README).
    static func demoTypeCode(definer body17: String, sequence: Int) -> String {
        body17 + String(CreditCode.checkCharacter(body17)!) + LicenceIdentifier.threeDigits(sequence)
    }

    /// The four types the platform starts with, each bound to the Zhoukou department that issues it.
    public static let builtIn: [LicenceType] = [
        LicenceType(code: "business-licence", name: "营业执照", nameEn: "Business licence", shortCode: "BL",
                    typeCode: demoTypeCode(definer: "11100000MB0010000", sequence: 1), issuerCode: "411600-AMR", holderKinds: [.entity],
                    fields: [Field("kind", "类型", required: true), Field("legalRepresentative", "法定代表人", required: true),
                             Field("registeredCapital", "注册资本"), Field("establishedOn", "成立日期", .date, required: true),
                             Field("address", "住所", required: true), Field("businessScope", "经营范围", required: true)],
                    validYears: nil),
        LicenceType(code: "food-business", name: "食品经营许可证", nameEn: "Food business licence", shortCode: "FB",
                    typeCode: demoTypeCode(definer: "11100000MB0010000", sequence: 2), issuerCode: "411600-AMR", holderKinds: [.entity],
                    fields: [Field("address", "经营场所", required: true), Field("mainBusiness", "主体业态", required: true),
                             Field("items", "经营项目", required: true)],
                    validYears: 5),
        LicenceType(code: "real-estate", name: "不动产权证书", nameEn: "Real estate title certificate", shortCode: "RE",
                    typeCode: demoTypeCode(definer: "11100000MB0020000", sequence: 1), issuerCode: "411600-REG", holderKinds: [.person, .entity],
                    fields: [Field("location", "坐落", required: true), Field("unitNumber", "不动产单元号", required: true),
                             Field("rightType", "权利类型", required: true), Field("use", "用途", required: true), Field("area", "面积（平方米）", .number, required: true)],
                    validYears: nil),
        LicenceType(code: "birth-medical", name: "出生医学证明", nameEn: "Medical birth certificate", shortCode: "BM",
                    typeCode: demoTypeCode(definer: "11100000MB0030000", sequence: 1), issuerCode: "411600-HEALTH", holderKinds: [.person],
                    fields: [Field("birthDate", "出生日期", .date, required: true), Field("birthPlace", "出生地点", required: true),
                             Field("motherName", "母亲姓名", .personName, required: true), Field("motherIdNumber", "母亲身份证件号码", .idNumber),
                             Field("fatherName", "父亲姓名", .personName), Field("fatherIdNumber", "父亲身份证件号码", .idNumber),
                             Field("institution", "接生机构", required: true)],
                    validYears: nil),
    ]

    /// Checks issued field values against the type: every required field, no unknown one, dates
    /// as YYYY-MM-DD, numbers as numbers, at most 500 characters and no control characters.
    func check(_ values: [String: String]) throws -> [String: String] {
        var checked: [String: String] = [:]
        for name in values.keys where !fields.contains(where: { $0.name == name }) {
            throw LicencesError.invalidField("fields.\(name)", zh: "证照类型 \(code) 没有字段 \(name)", en: "licence type \(code) has no field \(name)")
        }
        for field in fields {
            let value = values[field.name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if value.isEmpty {
                if field.required { throw LicencesError.invalidField("fields.\(field.name)", zh: "缺少必填字段：\(field.title)", en: "\(field.name) is required") }
                continue
            }
            guard value.count <= 500, !Text.hasForbiddenControl(value), !value.contains("\n") || field.name == "businessScope" else {
                throw LicencesError.invalidField("fields.\(field.name)", zh: "\(field.title)应为不超过 500 个字符的文字", en: "\(field.name) must be text of at most 500 characters")
            }
            switch field.kind {
            case .text: break
            case .date:
                guard Self.isDate(value) else { throw LicencesError.invalidField("fields.\(field.name)", zh: "\(field.title)应为 YYYY-MM-DD 格式的日期", en: "\(field.name) must be a date, YYYY-MM-DD") }
            case .number:
                guard let n = Double(value), n.isFinite, n >= 0 else { throw LicencesError.invalidField("fields.\(field.name)", zh: "\(field.title)应为非负数", en: "\(field.name) must be a non-negative number") }
            case .personName:
                guard value.count <= 64 else { throw LicencesError.invalidField("fields.\(field.name)", zh: "\(field.title)应不超过 64 个字符", en: "\(field.name) must be at most 64 characters") }
            case .idNumber:
                guard let id = ResidentID(value.uppercased()) else {
                    throw LicencesError.invalidField("fields.\(field.name)", zh: "\(field.title)不是有效的公民身份号码", en: "\(field.name) is not a valid resident ID number")
                }
                checked[field.name] = id.rawValue
                continue
            }
            checked[field.name] = value
        }
        return checked
    }

    /// `fields` as staff outside the issuing organisation see them: other persons' names and ID
    /// numbers masked.
    func masked(_ fields: [String: String]) -> [String: String] {
        var shown = fields
        for field in self.fields {
            guard let value = fields[field.name] else { continue }
            switch field.kind {
            case .personName: shown[field.name] = Mask.name(value)
            case .idNumber: shown[field.name] = Mask.idNumber(value)
            case .text, .date, .number: break
            }
        }
        return shown
    }

    /// The start of a `YYYY-MM-DD` day in China's time zone; nil when the text is not a real date.
    public static func startOfDay(_ text: String) -> Date? {
        guard isDate(text) else { return nil }
        let parts = text.split(separator: "-").compactMap { Int($0) }
        return ChinaTime.calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1900...2200).contains(y), (1...12).contains(m) else { return false }
        return (1...ResidentID.days(inMonth: m, year: y)).contains(d)
    }
}

/// The licence types in force: the built-in four and those an administrator defines.
public struct LicenceTypeBook: Sendable {
    let store: Store
    let clock: any WallClock

    public init(store: Store, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Enters the built-in types (at every start; an existing type is left as it is).
    public func registerBuiltIns() async throws {
        for type in LicenceType.builtIn { try await insert(type, replace: false) }
    }

    /// Defines or redefines a type. Platform administrators only.
    public func define(_ type: LicenceType, by caller: Principal, origin: AuditOrigin) async throws -> LicenceType {
        try caller.require(anyOf: .platformAdmin)
        guard type.code.count <= 40, type.code.allSatisfy({ $0.isLowercase && $0.isASCII || $0 == "-" || $0.isASCIIDigit }), !type.code.isEmpty else {
            throw LicencesError.invalidField("code", zh: "类型编码应为小写字母、数字和连字符", en: "code must be lower-case letters, digits and hyphens")
        }
        guard type.shortCode.count == 2, type.shortCode.allSatisfy({ $0.isUppercase && $0.isASCII }) else {
            throw LicencesError.invalidField("shortCode", zh: "简码应为两个大写字母", en: "shortCode must be two capital letters")
        }
        guard type.typeCode.count == 21, CreditCode(String(type.typeCode.prefix(18))) != nil, type.typeCode.suffix(3).allSatisfy(\.isASCIIDigit) else {
            throw LicencesError.invalidField("typeCode", zh: "证照类型代码应为定义机构的统一社会信用代码加 3 位顺序号", en: "typeCode must be the defining body's credit code and 3 digits")
        }
        guard !type.holderKinds.isEmpty, !type.fields.isEmpty, type.fields.count <= 40, Set(type.fields.map(\.name)).count == type.fields.count else {
            throw LicencesError.invalidField("fields", zh: "应有 1 至 40 个互不重复的字段，并至少一种持证主体", en: "1 to 40 distinct fields and at least one holder kind")
        }
        guard (1...64).contains(type.name.count), (1...64).contains(type.nameEn.count), !Text.hasForbiddenControl(type.name + type.nameEn) else {
            throw LicencesError.invalidField("name", zh: "名称应为 1 至 64 个字符", en: "name and nameEn must be 1 to 64 characters")
        }
        for (i, field) in type.fields.enumerated() {
            guard let first = field.name.first, first.isASCII, first.isLetter, field.name.count <= 40,
                  field.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw LicencesError.invalidField("fields[\(i)].name", zh: "字段名应为以字母开头的至多 40 个英文字母和数字", en: "a field name is up to 40 ASCII letters and digits, starting with a letter")
            }
            guard (1...40).contains(field.title.count), !Text.hasForbiddenControl(field.title) else {
                throw LicencesError.invalidField("fields[\(i)].title", zh: "字段标题应为 1 至 40 个字符", en: "a field title is 1 to 40 characters")
            }
        }
        if let years = type.validYears, !(1...100).contains(years) {
            throw LicencesError.invalidField("validYears", zh: "有效年限应为 1 至 100 年", en: "validYears must be 1 to 100")
        }
        guard try await OrganisationBook(store: store, clock: clock).find(type.issuerCode) != nil else { throw LicencesError.unknownOrganisation }
        try await insert(type, replace: true, audit: (caller, origin))
        return type
    }

    private func insert(_ type: LicenceType, replace: Bool, audit: (Principal, AuditOrigin)? = nil) async throws {
        let fields = String(decoding: try JSONEncoder().encode(type.fields), as: UTF8.self)
        let now = clock.now()
        let dialect = store.dialect
        try await store.write { db in
            let conflict: SQLQueryString = replace
                ? """
                  ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, short_code = excluded.short_code, type_code = excluded.type_code,
                  issuer_code = excluded.issuer_code, holder_kinds = excluded.holder_kinds, fields = excluded.fields, valid_years = excluded.valid_years
                  """
                : "ON CONFLICT (code) DO NOTHING"
            try await db.raw("""
                INSERT INTO licence_types (code, name, name_en, short_code, type_code, issuer_code, holder_kinds, fields, valid_years, created_at)
                VALUES (\(bind: type.code), \(bind: type.name), \(bind: type.nameEn), \(bind: type.shortCode), \(bind: type.typeCode), \(bind: type.issuerCode),
                    \(bind: type.holderKinds.map(\.rawValue).joined(separator: ",")), \(bind: fields), \(bind: type.validYears), \(bind: now))
                """ + conflict).run()
            if let (caller, origin) = audit {
                try await AuditLog.append(AuditEntry(actor: caller.auditActor, action: "licences.type.define", recordType: "licence-type", recordID: type.code,
                                                     source: origin.source, requestID: origin.requestID, detail: "\(type.typeCode) issued by \(type.issuerCode)"),
                                          at: now, dialect: dialect, on: db)
            }
        }
    }

    /// Types from a JSON file (one definition, or an array of them, in `LicenceType`'s form), each
    /// defined or redefined: what `licences.typesFile` loads at every start and `cityhub licence
    /// define-type` loads at once. Nothing is defined unless every definition reads.
    public func define(file: URL, by caller: Principal, origin: AuditOrigin) async throws -> [LicenceType] {
        let data = try Data(contentsOf: file)
        let decoder = JSONDecoder()
        let types: [LicenceType]
        do {
            if let many = try? decoder.decode([LicenceType].self, from: data) { types = many } else { types = [try decoder.decode(LicenceType.self, from: data)] }
        } catch {
            throw LicencesError.invalidField("file", zh: "\(file.path) 不是证照类型定义（JSON）：\(error)", en: "\(file.path) is not a licence type definition (JSON): \(error)")
        }
        var defined: [LicenceType] = []
        for type in types { defined.append(try await define(type, by: caller, origin: origin)) }
        return defined
    }

    public func all() async throws -> [LicenceType] {
        try await store.read { db in
            try await db.raw("SELECT * FROM licence_types ORDER BY code").all(decoding: TypeRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }.map { try $0.type() }
    }

    public func find(_ code: String) async throws -> LicenceType? {
        try await store.read { db in
            try await db.raw("SELECT * FROM licence_types WHERE code = \(bind: code)").first(decoding: TypeRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }.map { try $0.type() }
    }

    struct TypeRow: Decodable {
        let code: String; let name: String; let nameEn: String; let shortCode: String; let typeCode: String; let issuerCode: String
        let holderKinds: String; let fields: String; let validYears: Int?

        func type() throws -> LicenceType {
            LicenceType(code: code, name: name, nameEn: nameEn, shortCode: shortCode, typeCode: typeCode, issuerCode: issuerCode,
                        holderKinds: holderKinds.split(separator: ",").compactMap { HolderKind(rawValue: String($0)) },
                        fields: try JSONDecoder().decode([LicenceType.Field].self, from: Data(fields.utf8)), validYears: validYears)
        }
    }
}
