import Foundation
import SwiftASN1

/// The e-seal structures of GB/T 38540-2020 (version 4), which Chinese government verifiers read:
/// `SESeal` (a department's seal as its maker signed it) and `SES_Signature` (a document sealed
/// with it). Both are signed with SM2 over SM3 (OID 1.2.156.10197.1.501); signature values are
/// DER ECDSA-Sig-Value in a BIT STRING. The seal's maker signs the DER of `SES_SealInfo`; the
/// sealer signs the DER of `TBS_Sign`. Extension data (optional in both) is not written, and is
/// skipped when read.
enum GBSeal {
    /// SM2 signature with SM3.
    static let sm2WithSM3: ASN1ObjectIdentifier = [1, 2, 156, 10197, 1, 501]
    static let version = 4
    /// The vendor id in the header (GB/T 38540 §: the maker's software, for interoperation).
    static let vendor = "CityHub"

    enum Problem: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        var description: String {
            switch self {
            case .malformed(let what): "not a GB/T 38540 structure: \(what)"
            }
        }
    }
}

/// `SES_Header ::= SEQUENCE { id IA5String ("ES"), version INTEGER (4), vid IA5String }`
struct SESHeader: DERImplicitlyTaggable, Equatable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    var id = "ES"
    var version = GBSeal.version
    var vid = GBSeal.vendor

    init() {}

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(root, identifier: identifier) { nodes in
            var header = SESHeader()
            header.id = String(decoding: try ASN1IA5String(derEncoded: &nodes).bytes, as: UTF8.self)
            header.version = try Int(derEncoded: &nodes)
            header.vid = String(decoding: try ASN1IA5String(derEncoded: &nodes).bytes, as: UTF8.self)
            return header
        }
        guard id == "ES" else { throw GBSeal.Problem.malformed("header id \(id)") }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(try ASN1IA5String(id))
            try coder.serialize(version)
            try coder.serialize(try ASN1IA5String(vid))
        }
    }
}

/// `SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER,
/// certList SES_CertList, createDate GeneralizedTime, validStart GeneralizedTime, validEnd
/// GeneralizedTime }`; with `certListType` 1 the list is `SEQUENCE OF OCTET STRING` (the
/// certificates of those who may seal with it).
struct SESPropertyInfo: DERImplicitlyTaggable, Equatable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    /// 1: an organisation's official seal (单位公章).
    var type: Int
    var name: String
    var certListType = 1
    var certificates: [[UInt8]]
    var createDate: Date
    var validStart: Date
    var validEnd: Date

    init(type: Int, name: String, certificates: [[UInt8]], createDate: Date, validStart: Date, validEnd: Date) {
        self.type = type
        self.name = name
        self.certificates = certificates
        self.createDate = createDate
        self.validStart = validStart
        self.validEnd = validEnd
    }

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(root, identifier: identifier) { nodes in
            let type = try Int(derEncoded: &nodes)
            let name = String(decoding: try ASN1UTF8String(derEncoded: &nodes).bytes, as: UTF8.self)
            let listType = try Int(derEncoded: &nodes)
            guard listType == 1, let list = nodes.next() else { throw GBSeal.Problem.malformed("certificate list type \(listType)") }
            let certificates = try DER.sequence(of: ASN1OctetString.self, identifier: .sequence, rootNode: list).map { Array($0.bytes) }
            let created = try GeneralizedTime(derEncoded: &nodes), start = try GeneralizedTime(derEncoded: &nodes), end = try GeneralizedTime(derEncoded: &nodes)
            return SESPropertyInfo(type: type, name: name, certificates: certificates,
                                   createDate: Date(created), validStart: Date(start), validEnd: Date(end))
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(type)
            try coder.serialize(ASN1UTF8String(name))
            try coder.serialize(certListType)
            try coder.serializeSequenceOf(certificates.map { ASN1OctetString(contentBytes: ArraySlice($0)) })
            try coder.serialize(try GeneralizedTime(createDate))
            try coder.serialize(try GeneralizedTime(validStart))
            try coder.serialize(try GeneralizedTime(validEnd))
        }
    }
}

/// `SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER, height INTEGER }`
/// (width and height in millimetres).
struct SESPictureInfo: DERImplicitlyTaggable, Equatable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    var type: String
    var data: [UInt8]
    var width: Int
    var height: Int

    init(type: String, data: [UInt8], width: Int, height: Int) {
        self.type = type
        self.data = data
        self.width = width
        self.height = height
    }

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(root, identifier: identifier) { nodes in
            SESPictureInfo(type: String(decoding: try ASN1IA5String(derEncoded: &nodes).bytes, as: UTF8.self),
                           data: Array(try ASN1OctetString(derEncoded: &nodes).bytes), width: try Int(derEncoded: &nodes), height: try Int(derEncoded: &nodes))
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(try ASN1IA5String(type))
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(data)))
            try coder.serialize(width)
            try coder.serialize(height)
        }
    }
}

/// `SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
/// picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }`
struct SESSealInfo: DERImplicitlyTaggable, Equatable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    var header = SESHeader()
    var esID: String
    var property: SESPropertyInfo
    var picture: SESPictureInfo

    init(esID: String, property: SESPropertyInfo, picture: SESPictureInfo) {
        self.esID = esID
        self.property = property
        self.picture = picture
    }

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(root, identifier: identifier) { nodes in
            let header = try SESHeader(derEncoded: &nodes)
            var info = SESSealInfo(esID: String(decoding: try ASN1IA5String(derEncoded: &nodes).bytes, as: UTF8.self),
                                   property: try SESPropertyInfo(derEncoded: &nodes), picture: try SESPictureInfo(derEncoded: &nodes))
            info.header = header
            while nodes.next() != nil {}
            return info
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(header)
            try coder.serialize(try ASN1IA5String(esID))
            try coder.serialize(property)
            try coder.serialize(picture)
        }
    }
}

/// GB/T 38540's two signed structures share one form: what is signed, the signer's certificate
/// (OCTET STRING), the algorithm, and the signature (BIT STRING) over the DER of what is signed,
/// then optional parts this platform does not write and skips when reading (the time-stamp of
/// `SES_Signature`). `SESeal` signs `SES_SealInfo` (the maker's), `SES_Signature` signs
/// `TBS_Sign` (the sealer's). A parsed one keeps the signed bytes as they were read.
struct GBSigned<Content: DERImplicitlyTaggable & Equatable & Sendable>: DERImplicitlyTaggable, Equatable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    var content: Content
    var certificate: [UInt8]
    var signatureAlgorithm: ASN1ObjectIdentifier
    var signature: [UInt8]
    /// The DER of `content` as read (what was signed).
    var signedBytes: ArraySlice<UInt8>

    /// Signs `content` with the signer's SM2 key.
    init(_ content: Content, certificate: [UInt8], signer: SM2Key) throws {
        self.content = content
        self.certificate = certificate
        signatureAlgorithm = GBSeal.sm2WithSM3
        let bytes = try GBSeal.der(content)
        signedBytes = ArraySlice(bytes)
        signature = Array(try SM2Key.derSignature(try signer.sign(Data(bytes))))
    }

    private init(content: Content, certificate: [UInt8], signatureAlgorithm: ASN1ObjectIdentifier, signature: [UInt8], signedBytes: ArraySlice<UInt8>) {
        self.content = content
        self.certificate = certificate
        self.signatureAlgorithm = signatureAlgorithm
        self.signature = signature
        self.signedBytes = signedBytes
    }

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(root, identifier: identifier) { nodes in
            guard let node = nodes.next() else { throw GBSeal.Problem.malformed("nothing signed") }
            let content = try Content(derEncoded: node)
            let certificate = Array(try ASN1OctetString(derEncoded: &nodes).bytes)
            let algorithm = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let signature = Array(try ASN1BitString(derEncoded: &nodes).bytes)
            while nodes.next() != nil {}
            return GBSigned(content: content, certificate: certificate, signatureAlgorithm: algorithm, signature: signature, signedBytes: node.encodedBytes)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(content)
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(certificate)))
            try coder.serialize(signatureAlgorithm)
            try coder.serialize(ASN1BitString(bytes: ArraySlice(signature)))
        }
    }
}

/// `SESeal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING (the maker's certificate),
/// signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }`.
typealias SESeal = GBSigned<SESSealInfo>

extension GBSigned where Content == SESSealInfo {
    var sealInfo: SESSealInfo { content }
    var makerCertificate: [UInt8] { certificate }
}

/// `TBS_Sign ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo GeneralizedTime, dataHash
/// BIT STRING, propertyInfo IA5String, extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }`
struct TBSSign: DERImplicitlyTaggable, Equatable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    var version = GBSeal.version
    var seal: SESeal
    var time: Date
    /// SM3 of the sealed data.
    var dataHash: [UInt8]
    /// What the sealed data is (here: `licence:` and the licence's national identifier).
    var propertyInfo: String

    init(seal: SESeal, time: Date, dataHash: [UInt8], propertyInfo: String) {
        self.seal = seal
        self.time = time
        self.dataHash = dataHash
        self.propertyInfo = propertyInfo
    }

    init(derEncoded root: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(root, identifier: identifier) { nodes in
            let version = try Int(derEncoded: &nodes)
            var tbs = TBSSign(seal: try SESeal(derEncoded: &nodes), time: Date(try GeneralizedTime(derEncoded: &nodes)),
                              dataHash: Array(try ASN1BitString(derEncoded: &nodes).bytes),
                              propertyInfo: String(decoding: try ASN1IA5String(derEncoded: &nodes).bytes, as: UTF8.self))
            tbs.version = version
            while nodes.next() != nil {}
            return tbs
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(version)
            try coder.serialize(seal)
            try coder.serialize(try GeneralizedTime(time))
            try coder.serialize(ASN1BitString(bytes: ArraySlice(dataHash)))
            try coder.serialize(try ASN1IA5String(propertyInfo))
        }
    }
}

/// `SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING (the sealer's certificate),
/// signatureAlgID OBJECT IDENTIFIER, signature BIT STRING, timeStamp [0] EXPLICIT BIT STRING
/// OPTIONAL }`.
typealias SESSignature = GBSigned<TBSSign>

extension GBSigned where Content == TBSSign {
    var toSign: TBSSign { content }
}

extension GBSeal {
    static func der(_ value: some DERSerializable) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(value)
        return serializer.serializedBytes
    }
}

extension GeneralizedTime {
    /// The second `date` falls in, UTC.
    init(_ date: Date) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        try self.init(year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!, fractionalSeconds: 0)
    }
}

extension Date {
    init(_ time: GeneralizedTime) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let day = calendar.date(from: DateComponents(year: time.year, month: time.month, day: time.day, hour: time.hours, minute: time.minutes, second: time.seconds))!
        self = day.addingTimeInterval(time.fractionalSeconds)
    }
}
