import Foundation
import SwiftASN1
import X509

/// The names written into seal and root certificates, and read back from them.
enum SealNames {
    /// organizationIdentifier (X.520, 2.5.4.97): carries the department's credit code.
    static let organizationIdentifier: ASN1ObjectIdentifier = [2, 5, 4, 97]

    static func subject(organisation: String, creditCode: String, commonName: String) throws -> DistinguishedName {
        DistinguishedName([
            RelativeDistinguishedName(try .init(type: .RDNAttributeType.countryName, printableString: "CN")),
            RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: organisation)),
            RelativeDistinguishedName(.init(type: organizationIdentifier, utf8String: creditCode)),
            RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: commonName)),
        ])
    }

    static func organisation(of name: DistinguishedName) -> String? { value(.RDNAttributeType.organizationName, in: name) }
    static func creditCode(of name: DistinguishedName) -> String? { value(organizationIdentifier, in: name) }
    static func commonName(of name: DistinguishedName) -> String? { value(.RDNAttributeType.commonName, in: name) }

    static func value(_ type: ASN1ObjectIdentifier, in name: DistinguishedName) -> String? {
        for rdn in name {
            for attribute in rdn where attribute.type == type {
                if let s = String(attribute.value) { return s }
            }
        }
        return nil
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func der(_ certificate: Certificate) throws -> Data {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return Data(serializer.serializedBytes)
    }

    static func pem(_ certificate: Certificate) throws -> String {
        try certificate.serializeAsPEM().pemString
    }
}
