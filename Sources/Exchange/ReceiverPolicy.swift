import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which receivers the platform posts to: http(s) URLs without credentials, whose host resolves
/// only to public addresses, so that nobody can turn the exchange against the intranet (loopback,
/// private, link-local, carrier-grade NAT, multicast and reserved ranges are refused unless
/// configuration allows private receivers). Checked when a receiver is registered and again
/// before each batch is sent (a name can be re-pointed).
struct ReceiverPolicy: Sendable {
    let allowPrivate: Bool

    func check(_ text: String) throws {
        guard text.count <= 2_000, let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty else {
            throw ExchangeError.receiverRefused("not an http(s) URL / 不是 http(s) 地址")
        }
        guard url.user == nil, url.password == nil else { throw ExchangeError.receiverRefused("credentials in the URL / 地址中含有凭据") }
        guard !allowPrivate else { return }
        let addresses = Self.resolve(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
        guard !addresses.isEmpty else { throw ExchangeError.receiverRefused("the host does not resolve / 主机名无法解析") }
        if let inner = addresses.first(where: { !Self.isPublic($0) }) {
            throw ExchangeError.receiverRefused("\(host) resolves to a private or reserved address (\(Self.text(inner))) / 解析为内网或保留地址")
        }
    }

    /// The host's addresses (IPv4 as 4 bytes, IPv6 as 16).
    static func resolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var out: [[UInt8]] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node {
            if current.pointee.ai_family == AF_INET, let address = current.pointee.ai_addr {
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    out.append(withUnsafeBytes(of: sin.pointee.sin_addr) { Array($0) })
                }
            } else if current.pointee.ai_family == AF_INET6, let address = current.pointee.ai_addr {
                address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    out.append(withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) })
                }
            }
            node = current.pointee.ai_next
        }
        return out
    }

    static func isPublic(_ a: [UInt8]) -> Bool {
        if a.count == 4 {
            switch (a[0], a[1]) {
            case (0, _), (10, _), (127, _), (169, 254), (192, 168), (224...255, _): return false
            case (100, 64...127), (172, 16...31), (198, 18...19): return false
            case (192, 0) where a[2] == 0 || a[2] == 2: return false
            default: return true
            }
        }
        guard a.count == 16 else { return false }
        if a.allSatisfy({ $0 == 0 }) || (a[0..<15].allSatisfy { $0 == 0 } && a[15] == 1) { return false }
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xFF && a[11] == 0xFF { return isPublic(Array(a[12..<16])) }
        if a[0] & 0xFE == 0xFC || (a[0] == 0xFE && a[1] & 0xC0 == 0x80) || a[0] == 0xFF { return false }
        if a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8 { return false }
        return true
    }

    static func text(_ a: [UInt8]) -> String {
        a.count == 4 ? a.map(String.init).joined(separator: ".") : stride(from: 0, to: 16, by: 2).map { String(format: "%x", Int(a[$0]) << 8 | Int(a[$0 + 1])) }.joined(separator: ":")
    }
}
