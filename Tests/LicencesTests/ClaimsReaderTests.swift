import CityCore
import Foundation
@testable import Licences
import Testing

/// The verifier's own JSON reader and identifier check against the slow, general ones: never
/// accepting what they refuse, never reading differently.
@Suite("The verifier's claims reader and identifier check")
struct ClaimsReaderTests {
    static let claims = LicenceClaims(
        jti: "1.2.156.3005.2.11100000MB0010000X001.11411600MB0000AMR5.20260000001.001.K", no: "BL41160220260000001", type: "business-licence",
        typeName: "营业执照", iss: "11411600MB0000AMR5", issuerOrganisation: "411600-AMR", issuerName: "周口市市场监督管理局", sub: "91411602MA0000001X",
        holder: .init(kind: "entity", name: "周口市七一百货有限公司 \"七一\"\\n"), fields: ["address": "周口市川汇区七一路1号", "note": "tab\there / 😀 \u{1}"],
        iat: 1_795_000_000, nbf: 1_795_000_000, exp: nil, ver: 1)

    @Test("the issued form, reordered members, white space, escapes, an absent or null exp, unknown members: read as JSONDecoder reads them")
    func agrees() throws {
        let issued = try Self.claims.encoded()
        #expect(ClaimsReader.claims(issued) == Self.claims)
        let variants = [
            #"{"ver":1,"sub":"S","no":"N","jti":"J","iss":"I","issuerOrganisation":"O","issuerName":"\u5468\u53e3","type":"t","typeName":"T","holder":{"name":"\ud83d\ude00","kind":"person","x":[1,{"y":null}]},"fields":{},"iat":-5,"nbf":0,"exp":null,"extra":{"a":[true,false,1.5e3]}}"#,
            " \n{ \"jti\" : \"J\" , \"no\":\"N\",\"type\":\"t\",\"typeName\":\"T\",\"iss\":\"I\",\"issuerOrganisation\":\"O\",\"issuerName\":\"n\",\"sub\":\"S\",\"holder\":{\"kind\":\"k\",\"name\":\"n\"},\"fields\":{\"a\":\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"},\"iat\":1,\"nbf\":2,\"exp\":3,\"ver\":7}\t",
        ]
        for text in variants {
            let data = Data(text.utf8)
            let reference = try JSONDecoder().decode(LicenceClaims.self, from: data)
            #expect(ClaimsReader.claims(data) == reference, "\(text)")
        }
    }

    @Test("what it refuses: duplicates, a fraction or exponent or leading zero in an integer, bad escapes, lone surrogates, control characters, invalid UTF-8, a missing claim, trailing bytes")
    func refuses() throws {
        let good = String(decoding: try Self.claims.encoded(), as: UTF8.self)
        let bad = [
            good.replacingOccurrences(of: #""ver":1"#, with: #""ver":1,"ver":2"#),
            good.replacingOccurrences(of: #""ver":1"#, with: #""ver":1.0"#),
            good.replacingOccurrences(of: #""ver":1"#, with: #""ver":1e0"#),
            good.replacingOccurrences(of: #""ver":1"#, with: #""ver":01"#),
            good.replacingOccurrences(of: #""ver":1"#, with: #""ver":99999999999999999999"#),
            good.replacingOccurrences(of: #""no":"BL"#, with: #""no":"\x"#),
            good.replacingOccurrences(of: #""no":"BL"#, with: #""no":"\ud800"#),
            good.replacingOccurrences(of: #""no":"BL"#, with: "\"no\":\"\u{7}"),
            good.replacingOccurrences(of: #","ver":1"#, with: ""),
            good + "x",
            good.replacingOccurrences(of: #""holder":{"#, with: #""holder":{"kind":"a","#),
        ]
        for text in bad { #expect(ClaimsReader.claims(Data(text.utf8)) == nil, "\(text.prefix(200))") }
        var invalid = Data(good.utf8)
        invalid[invalid.firstIndex(of: UInt8(ascii: "B"))!] = 0xFF
        #expect(ClaimsReader.claims(invalid) == nil)
    }

    @Test("every changed byte of a payload: whatever the reader accepts, JSONDecoder reads the same")
    func neverLooser() throws {
        let issued = Array(try Self.claims.encoded())
        var accepted = 0
        for i in issued.indices {
            for replacement: UInt8 in [0x00, 0x20, 0x22, 0x2C, 0x31, 0x5C, 0x7B, 0x7D, 0xC3, 0xFF] where issued[i] != replacement {
                var changed = issued
                changed[i] = replacement
                let data = Data(changed)
                guard let read = ClaimsReader.claims(data) else { continue }
                accepted += 1
                #expect((try? JSONDecoder().decode(LicenceClaims.self, from: data)) == read, "byte \(i) → \(replacement)")
            }
        }
        #expect(accepted > 0)
    }

    @Test("the identifier check on bytes says what checked() says, for the real identifier and every one-character change of it")
    func identifier() throws {
        let real = Self.claims.jti
        func slow(_ text: String) -> LicenceIdentifier.Problem? {
            do { _ = try LicenceIdentifier.checked(text); return nil } catch { return error }
        }
        let valid = try LicenceIdentifier(typeCode: "11100000MB0010000X001", issuerCode: "11411600MB0000AMR5", serial: "20260000001", version: 1).rawValue
        #expect(LicenceIdentifier.problem(in: valid) == nil)
        for text in [real, valid, "", "1.2.156.3005.2.", valid + ".", valid.replacingOccurrences(of: ".001.", with: ".000."), "x" + valid] {
            #expect(LicenceIdentifier.problem(in: text) == slow(text), "\(text)")
        }
        let chars = Array(valid)
        for i in chars.indices {
            for c in ["0", "9", "A", "Z", "a", ".", "周"] where String(chars[i]) != c {
                var changed = chars
                changed[i] = Character(c)
                let text = String(changed)
                #expect(LicenceIdentifier.problem(in: text) == slow(text), "\(text)")
            }
        }
    }
}
