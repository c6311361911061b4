import CityCore
import Foundation
import HTTPTypes
import Hummingbird
import Licences

/// Seals, licence types, issuing, status changes, and verification. The Licences module checks
/// roles, the issuing organisation, the holder and the scope, and writes the audit entries; the
/// handlers parse and shape. Verifying, the status list and the root certificate are public.
struct LicencesController {
    let licences: LicenceDesk
    let seals: SealBook
    let types: LicenceTypeBook

    func addPublicRoutes(to api: RouterGroup<AppRequestContext>) {
        api.post("/licences/verify", use: verify)
        api.post("/licences/verify-ses", use: verifySES)
        api.get("/seals/{id}/ses", use: sealSES)
        api.get("/licences/status-list", use: statusList)
        api.get("/seals/root.pem", use: rootCertificate)
        api.get("/seals/{id}/picture", use: sealPicture)
    }

    func addRoutes(to api: RouterGroup<StaffContext>) {
        api.get("/licences/types", use: listTypes)
        api.put("/licences/types/{code}", use: defineType)
        api.get("/licences", use: list)
        api.post("/licences", use: issue)
        api.get("/licences/{id}", use: get)
        api.post("/licences/{id}/status", use: setStatus)
        api.get("/licences/{id}/qr", use: qrCode)
        api.get("/licences/{id}/ses", use: licenceSES)
        api.get("/seals", use: listSeals)
        api.post("/seals", use: createSeal)
        api.post("/seals/{id}/revoke", use: revokeSeal)
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> VerdictDTO {
        let body = try await request.decodeStrict(as: VerifyLicenceBody.self, context: context)
        return VerdictDTO(try await licences.verify(body.licence))
    }

    @Sendable func verifySES(_ request: Request, context: AppRequestContext) async throws -> SESVerdictDTO {
        let body = try await request.decodeStrict(as: VerifySESBody.self, context: context)
        guard let der = Data(base64Encoded: body.signature.trimmingCharacters(in: .whitespacesAndNewlines), options: .ignoreUnknownCharacters), !der.isEmpty else {
            throw LicencesError.invalidField("signature", zh: "signature 应为 DER 编码的 base64", en: "signature must be base64 of DER")
        }
        return SESVerdictDTO(try await licences.verifyGB(der, licence: body.licence))
    }

    @Sendable func sealSES(_ request: Request, context: AppRequestContext) async throws -> Response {
        let der = try await seals.gbSealDER(try context.parameters.require("id"))
        return Response(status: .ok, headers: [.contentType: "application/octet-stream", .cacheControl: "public, max-age=3600"], body: .init(byteBuffer: ByteBuffer(bytes: der)))
    }

    @Sendable func licenceSES(_ request: Request, context: StaffContext) async throws -> Response {
        let der = try await licences.gbSignature(try context.parameters.require("id"), by: context.caller, origin: context.auditOrigin)
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: der)))
    }

    /// The status list, sealed by the root: a compact JWS (`application/jose`), cached for a minute.
    @Sendable func statusList(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/jose", .cacheControl: "public, max-age=60"],
                 body: .init(byteBuffer: ByteBuffer(string: try await licences.statusList())))
    }

    @Sendable func rootCertificate(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/x-pem-file", .cacheControl: "public, max-age=3600"],
                 body: .init(byteBuffer: ByteBuffer(string: try await seals.rootPEM())))
    }

    /// The seal's picture (SVG), drawn from its data; public, as a stamped paper's seal is.
    @Sendable func sealPicture(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let seal = try await seals.find(try context.parameters.require("id")) else { throw LicencesError.unknownSeal }
        return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "public, max-age=3600"],
                        body: .init(byteBuffer: ByteBuffer(string: SealPicture.svg(organisation: seal.organisationName, serial: seal.serial))))
    }

    @Sendable func listTypes(_ request: Request, context: StaffContext) async throws -> LicenceTypeList {
        LicenceTypeList(items: try await types.all().map(LicenceTypeDTO.init))
    }

    @Sendable func defineType(_ request: Request, context: StaffContext) async throws -> LicenceTypeDTO {
        let body = try await request.decodeStrict(as: DefineLicenceTypeBody.self, context: context)
        let holderKinds = try body.holderKinds.enumerated().map { i, text in
            guard let kind = HolderKind(rawValue: text) else {
                throw LicencesError.invalidField("holderKinds[\(i)]", zh: "持证主体应为 person 或 entity", en: "a holder kind is person or entity")
            }
            return kind
        }
        let fields = try body.fields.enumerated().map { i, f in
            guard let kind = LicenceType.Field.Kind(rawValue: f.kind) else {
                throw LicencesError.invalidField("fields[\(i)].kind", zh: "字段类型应为 \(LicenceType.Field.Kind.allCases.map(\.rawValue).joined(separator: "、"))",
                                                 en: "a field kind is one of \(LicenceType.Field.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return LicenceType.Field(f.name, f.title, kind, required: f.required ?? false)
        }
        let type = LicenceType(code: try context.parameters.require("code"), name: body.name, nameEn: body.nameEn, shortCode: body.shortCode, typeCode: body.typeCode,
                               issuerCode: body.issuerCode, holderKinds: holderKinds, fields: fields, validYears: body.validYears)
        return LicenceTypeDTO(try await types.define(type, by: context.caller, origin: context.auditOrigin))
    }

    @Sendable func list(_ request: Request, context: StaffContext) async throws -> LicenceList {
        guard let holder = request.uri.queryParameters["holder"], !holder.isEmpty, holder.count <= 18 else {
            throw RequestProblem.badQuery("holder", zh: "请给出持证主体的公民身份号码或统一社会信用代码", en: "holder (an ID number or credit code) is required")
        }
        return LicenceList(items: try await licences.licences(of: String(holder), by: context.caller, origin: context.auditOrigin).map(LicenceDTO.init))
    }

    @Sendable func issue(_ request: Request, context: StaffContext) async throws -> EditedResponse<LicenceDTO> {
        let body = try await request.decodeStrict(as: NewLicenceBody.self, context: context)
        var algorithm = SealAlgorithm.ed25519
        if let text = body.algorithm {
            guard let value = SealAlgorithm(rawValue: text) else {
                throw LicencesError.invalidField("algorithm", zh: "algorithm 应为 ed25519、p256 或 sm2", en: "algorithm must be ed25519, p256 or sm2")
            }
            algorithm = value
        }
        let application = LicenceApplication(type: body.type, holderID: body.holder, holderName: body.holderName, fields: body.fields,
                                             validFrom: try Self.day(body.validFrom, "validFrom"), validUntil: try Self.day(body.validUntil, "validUntil", next: true),
                                             algorithm: algorithm)
        let licence = try await licences.issue(application, by: context.caller, origin: context.auditOrigin)
        return EditedResponse(status: .created, response: LicenceDTO(licence))
    }

    @Sendable func get(_ request: Request, context: StaffContext) async throws -> LicenceDTO {
        LicenceDTO(try await licences.find(try context.parameters.require("id"), by: context.caller, origin: context.auditOrigin))
    }

    @Sendable func setStatus(_ request: Request, context: StaffContext) async throws -> LicenceDTO {
        let body = try await request.decodeStrict(as: LicenceStatusBody.self, context: context)
        guard let status = LicenceStatus(rawValue: body.status) else {
            throw LicencesError.invalidField("status", zh: "status 应为 valid、suspended 或 revoked", en: "status must be valid, suspended or revoked")
        }
        return LicenceDTO(try await licences.setStatus(try context.parameters.require("id"), to: status, reason: body.reason, by: context.caller,
                                                       origin: context.auditOrigin))
    }

    /// The licence's QR code (SVG, or PNG with `format=png`): the public verification page's address
    /// on this server with the identifier and the sealed text's digest.
    @Sendable func qrCode(_ request: Request, context: StaffContext) async throws -> Response {
        let format = request.uri.queryParameters["format"].map(String.init) ?? "svg"
        guard format == "svg" || format == "png" else { throw RequestProblem.badQuery("format", zh: "format 应为 svg 或 png", en: "format must be svg or png") }
        let code = try await licences.qrCode(try context.parameters.require("id"), base: OpenDataController.base(request), by: context.caller, origin: context.auditOrigin)
        if format == "png" {
            return Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: code.png(scale: 6))))
        }
        return Response(status: .ok, headers: [.contentType: "image/svg+xml"], body: .init(byteBuffer: ByteBuffer(string: code.svg())))
    }

    @Sendable func listSeals(_ request: Request, context: StaffContext) async throws -> SealList {
        let organisation = request.uri.queryParameters["organisation"].map(String.init)
        if let organisation, organisation.isEmpty || organisation.count > 64 {
            throw RequestProblem.badQuery("organisation", zh: "organisation 应为 1 至 64 个字符的组织机构代码", en: "organisation must be an organisation code of 1 to 64 characters")
        }
        return SealList(items: try await seals.list(organisation: organisation, by: context.caller).map(SealDTO.init))
    }

    @Sendable func createSeal(_ request: Request, context: StaffContext) async throws -> EditedResponse<SealDTO> {
        let body = try await request.decodeStrict(as: NewSealBody.self, context: context)
        guard let algorithm = SealAlgorithm(rawValue: body.algorithm) else {
            throw LicencesError.invalidField("algorithm", zh: "algorithm 应为 ed25519、p256 或 sm2", en: "algorithm must be ed25519, p256 or sm2")
        }
        let seal = try await seals.create(NewSeal(organisationCode: body.organisationCode, creditCode: body.creditCode, algorithm: algorithm, years: body.years ?? 3),
                                          by: context.caller, origin: context.auditOrigin)
        return EditedResponse(status: .created, response: SealDTO(seal))
    }

    @Sendable func revokeSeal(_ request: Request, context: StaffContext) async throws -> SealDTO {
        let body = try await request.decodeStrict(as: RevokeSealBody.self, context: context)
        return SealDTO(try await seals.revoke(try context.parameters.require("id"), reason: body.reason, by: context.caller, origin: context.auditOrigin))
    }

    /// `YYYY-MM-DD` as the start of that day in China (with `next`, of the day after: a last valid day).
    static func day(_ text: String?, _ field: String, next: Bool = false) throws -> Date? {
        guard let text else { return nil }
        guard let day = LicenceType.startOfDay(text) else {
            throw LicencesError.invalidField(field, zh: "\(field) 应为 YYYY-MM-DD 格式的日期", en: "\(field) must be a date, YYYY-MM-DD")
        }
        return next ? day.addingTimeInterval(86_400) : day
    }
}
