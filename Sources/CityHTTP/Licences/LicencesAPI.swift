import CityCore
import Licences

/// The licences domain's operations and shapes.
enum LicencesAPI {
    static let licenceID: (String, JSONValue) = ("id", Schema.string("the national identifier 1.2.156.3005.2.…", max: 120))
    static let sealID: (String, JSONValue) = ("id", Schema.string("seal-…", max: 64))

    static let fragment = APIFragment(operations: [verifyLicence, verifySES, statusList, rootCertificate, sealPicture, sealSES, listTypes, defineType, listLicences, issueLicence, getLicence,
                                                   setLicenceStatus, licenceQRCode, licenceSES, listSeals, createSeal, revokeSeal],
                                      shapes: [LicenceTypeFieldDTO.self, LicenceTypeDTO.self, LicenceTypeList.self, LicenceDTO.self, LicenceList.self, NewLicenceBody.self,
                                               LicenceStatusBody.self, VerifyLicenceBody.self, VerifySESBody.self, SESVerdictDTO.self, DefineLicenceTypeBody.self, SealSummaryDTO.self, SealedClaimsDTO.self, VerdictDTO.self, SealDTO.self,
                                               SealList.self, NewSealBody.self, RevokeSealBody.self])

    static let verifyLicence: APIOperation = .init("post", "/api/v1/licences/verify", id: "verifyLicence",
        summary: "Verify a sealed licence for anyone: the seal's certificate chain to the city root, the signature, the identifier's check character, the seal's and the licence's status now, the validity; a refusal says exactly why (and names altered fields)",
        tag: "licences", access: .open, body: VerifyLicenceBody.schemaName, success: (200, VerdictDTO.schemaName, APIFragment.json))
    static let verifySES: APIOperation = .init("post", "/api/v1/licences/verify-ses", id: "verifySESSignature",
        summary: "Verify a GB/T 38540 SES_Signature (an SM2 licence's national e-seal signature) for anyone: the maker's certificate and signature over the seal, the sealer's certificate, its place in the seal, its signature, the time; with the licence, the SM3 hash of its signing input",
        tag: "licences", access: .open, body: VerifySESBody.schemaName, success: (200, SESVerdictDTO.schemaName, APIFragment.json))
    static let sealSES: APIOperation = .init("get", "/api/v1/seals/{id}/ses", id: "sealSES",
        summary: "An SM2 seal as GB/T 38540's SESeal (DER): its certificate, validity and picture, signed by the city's seal maker (SM2 with SM3)", tag: "licences", access: .open,
        pathParameters: [sealID], success: (200, nil, "application/octet-stream"), answers: [(400, "not an SM2 seal"), (404, "no such seal")])
    static let licenceSES: APIOperation = .init("get", "/api/v1/licences/{id}/ses", id: "licenceSES",
        summary: "An SM2 licence's GB/T 38540 SES_Signature (DER), written when it was sealed: for the issuing organisation and administrators; audited",
        tag: "licences", pathParameters: [licenceID], success: (200, nil, "application/octet-stream"),
        answers: [(404, "no such licence within the caller's scope, or it was not sealed with SM2")])
    static let statusList: APIOperation = .init("get", "/api/v1/licences/status-list", id: "licenceStatusList",
        summary: "Revoked seals and revoked or suspended licences, sealed by the root (compact JWS, application/jose), for offline verifiers to fetch and cache",
        tag: "licences", access: .open, success: (200, nil, "application/jose"))
    static let rootCertificate: APIOperation = .init("get", "/api/v1/seals/root.pem", id: "rootCertificate",
        summary: "The city root certificate(s), PEM: all an offline verifier needs to trust", tag: "licences", access: .open,
        success: (200, nil, "application/x-pem-file"))
    static let sealPicture: APIOperation = .init("get", "/api/v1/seals/{id}/picture", id: "sealPicture",
        summary: "The seal's picture (SVG): the red ring, the department's name around the star, drawn from the seal's data", tag: "licences", access: .open,
        pathParameters: [sealID], success: (200, nil, "image/svg+xml"), answers: [(404, "no such seal")])
    static let listTypes: APIOperation = .init("get", "/api/v1/licences/types", id: "listLicenceTypes", summary: "Licence types: fields, holders, issuing organisation",
        tag: "licences", success: (200, LicenceTypeList.schemaName, APIFragment.json))
    static let defineType: APIOperation = .init("put", "/api/v1/licences/types/{code}", id: "defineLicenceType",
        summary: "Define or redefine a licence type (platform administrators): its fields, holders, issuing organisation and national type code; licences already issued keep what they were sealed with; audited",
        tag: "licences", body: DefineLicenceTypeBody.schemaName,
        pathParameters: [("code", Schema.string("lower-case letters, digits and hyphens", max: 40))], success: (200, LicenceTypeDTO.schemaName, APIFragment.json),
        answers: [(422, "no such issuing organisation")])
    static let listLicences: APIOperation = .init("get", "/api/v1/licences", id: "listLicences",
        summary: "A holder's licences within the caller's scope, newest first; audited", tag: "licences",
        query: [.init("holder", Schema.string("resident ID number or credit code", max: 18), "the holder", required: true)],
        success: (200, LicenceList.schemaName, APIFragment.json))
    static let issueLicence: APIOperation = .init("post", "/api/v1/licences", id: "issueLicence",
        summary: "Issue and seal a licence (a department handler of the type's issuing organisation): the holder confirmed in the registries, the fields checked, sealed as a compact JWS with the seal's certificate chain",
        tag: "licences", body: NewLicenceBody.schemaName, success: (201, LicenceDTO.schemaName, APIFragment.json),
        answers: [(404, "no such licence type"), (422, "the holder is not in the registries, the name differs, or the issuer has no active seal")])
    static let getLicence: APIOperation = .init("get", "/api/v1/licences/{id}", id: "getLicence", summary: "One licence within the caller's scope; audited", tag: "licences",
        pathParameters: [licenceID], success: (200, LicenceDTO.schemaName, APIFragment.json), answers: [(404, "no such licence within the caller's scope")])
    static let setLicenceStatus: APIOperation = .init("post", "/api/v1/licences/{id}/status", id: "setLicenceStatus",
        summary: "Suspend, reinstate or revoke a licence with a reason (the issuing organisation's handler or an administrator); revocation is final",
        tag: "licences", body: LicenceStatusBody.schemaName, pathParameters: [licenceID], success: (200, LicenceDTO.schemaName, APIFragment.json),
        answers: [(404, "no such licence within the caller's scope"), (409, "the status cannot change that way")])
    static let licenceQRCode: APIOperation = {
        var op = APIOperation("get", "/api/v1/licences/{id}/qr", id: "licenceQRCode",
            summary: "The licence's QR code: this server's public verification page with the identifier and the first 16 bytes of the sealed text's SHA-256",
            tag: "licences", query: [.init("format", Schema.enumeration(["svg", "png"]), "svg (default) or png")], pathParameters: [licenceID],
            success: (200, nil, "image/svg+xml"), answers: [(404, "no such licence within the caller's scope")])
        op.alsoMedia = ["image/png"]
        return op
    }()
    static let listSeals: APIOperation = .init("get", "/api/v1/seals", id: "listSeals", summary: "Seals of the organisations within the caller's scope, with their certificates",
        tag: "licences", query: [.init("organisation", Schema.string(min: 1, max: 64), "only this organisation's")], success: (200, SealList.schemaName, APIFragment.json))
    static let createSeal: APIOperation = .init("post", "/api/v1/seals", id: "createSeal",
        summary: "Make a department's seal (platform administrators): a new key, stored sealed, and a certificate from the city root naming the department and its credit code; the department's active seal of that algorithm retires",
        tag: "licences", body: NewSealBody.schemaName, success: (201, SealDTO.schemaName, APIFragment.json), answers: [(422, "no such organisation within the caller's scope")])
    static let revokeSeal: APIOperation = .init("post", "/api/v1/seals/{id}/revoke", id: "revokeSeal",
        summary: "Revoke a seal (platform administrators): every licence it sealed fails verification, online at once, offline with the next status list",
        tag: "licences", body: RevokeSealBody.schemaName, pathParameters: [sealID], success: (200, SealDTO.schemaName, APIFragment.json),
        answers: [(404, "no such seal"), (409, "the seal is revoked already")])
}
