@testable import CityWeb
import Foundation
import Testing

@Suite("Page forms: multipart bodies and the form token")
struct WebFormTests {
    static func body(_ text: String) -> [UInt8] { Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    @Test("fields and files are read; a quoted name may hold ; and escaped quotes; an empty file input is no file; bytes are kept as sent")
    func parses() throws {
        var raw = Self.body("""
            preamble to ignore
            --XyZ
            Content-Disposition: form-data; name="note"

            第一行
            --第二行 is not the boundary
            --XyZ
            content-disposition: form-data; name="photos"; filename="a;b \\"c\\".png"
            Content-Type: image/png


            """)
        raw += [0x89, 0x50, 0x0D, 0x0A, 0x2D, 0x2D, 0x00, 0xFF]
        raw += Self.body("""

            --XyZ
            Content-Disposition: form-data; name="photos"; filename=""
            Content-Type: application/octet-stream


            --XyZ--
            epilogue
            """)
        let form = try MultipartForm(parsing: raw, boundary: "XyZ")
        #expect(form.fields == ["note": "第一行\r\n--第二行 is not the boundary"])
        #expect(form.files.count == 1)
        #expect(form.files.first?.filename == #"a;b "c".png"# && form.files.first?.contentType == "image/png")
        #expect(form.files.first?.data == Data([0x89, 0x50, 0x0D, 0x0A, 0x2D, 0x2D, 0x00, 0xFF]))
    }

    @Test("a body cut short, a part without a name, or too many parts is refused as a bad form")
    func refuses() {
        #expect(throws: MultipartForm.Failure.malformed) { try MultipartForm(parsing: Self.body("--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nno end"), boundary: "XyZ") }
        #expect(throws: MultipartForm.Failure.malformed) { try MultipartForm(parsing: Self.body("--XyZ\nContent-Type: text/plain\n\nx\n--XyZ--\n"), boundary: "XyZ") }
        #expect(throws: MultipartForm.Failure.malformed) { try MultipartForm(parsing: Self.body("nothing here"), boundary: "XyZ") }
        let many = (0...MultipartForm.maxParts).map { "--XyZ\nContent-Disposition: form-data; name=\"f\($0)\"\n\nv\n" }.joined() + "--XyZ--\n"
        #expect(throws: MultipartForm.Failure.tooManyParts) { try MultipartForm(parsing: Self.body(many), boundary: "XyZ") }
        #expect(MultipartForm.boundary(in: #"multipart/form-data; charset=utf-8; boundary="----a b""#) == "----a b")
        #expect(MultipartForm.boundary(in: "multipart/form-data") == nil)
    }

    @Test("URL-encoded forms decode + and percent escapes; the form token is the session's, no other's")
    func urlEncodedAndToken() {
        #expect(WebForm.urlEncoded("note=%E5%B7%B2+%E6%B8%85%E8%BF%90&a=&b") == ["note": "已 清运", "a": "", "b": ""])
        let token = FormToken.make(for: "session-1")
        #expect(token.count == 32 && FormToken.matches(token, session: "session-1"))
        #expect(!FormToken.matches(token, session: "session-2") && !FormToken.matches(nil, session: "session-1") && !FormToken.matches(token, session: nil))
        #expect(!FormToken.matches(String(token.dropLast()), session: "session-1"))
    }
}
