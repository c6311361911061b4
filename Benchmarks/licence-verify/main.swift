// The licences.verify-<alg> bench: verifications a second of a sealed licence by the Licences
// module's verifier (form, identifier, chain from its cache, algorithm from the certificate,
// signature, status list, validity) beside the raw swift-crypto verification of the same signed
// bytes with the same key (SM2: the system OpenSSL's, through the same small C module, with no
// Swift around it), in one process, one core, in alternating windows of equal length.
//
//   licence-verify LICENCE.jws ROOT.pem STATUS.jws [SECONDS]
//
// Prints one JSON object: {"verifier": per second, "raw": per second, "algorithm": ...}.
import CSM2
import Crypto
import Foundation
import Licences
import X509

let args = CommandLine.arguments
guard args.count >= 4 else {
    FileHandle.standardError.write(Data("usage: licence-verify LICENCE.jws ROOT.pem STATUS.jws [SECONDS]\n".utf8))
    exit(2)
}
let token = try String(contentsOfFile: args[1], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
let verifier = try LicenceVerifier(rootPEM: try String(contentsOfFile: args[2], encoding: .utf8))
let status = try verifier.statusList(try String(contentsOfFile: args[3], encoding: .utf8))
let seconds = args.count > 4 ? Double(args[4]) ?? 3 : 3
let now = Date()

// The raw baseline: the same signing input, signature and key, straight into swift-crypto.
let parts = token.split(separator: ".")
let input = Data("\(parts[0]).\(parts[1])".utf8)
let signature = Base64URL.decode(parts[2])!
let header = try JSONSerialization.jsonObject(with: Base64URL.decode(parts[0])!) as! [String: Any]
let x5c = (header["x5c"] as! [String]).map { Data(base64Encoded: $0)! }
let raw: () -> Bool
let algorithm: String
if let leaf = try? Certificate(derEncoded: Array(x5c[0])), let key = Curve25519.Signing.PublicKey(leaf.publicKey) {
    algorithm = "ed25519"
    raw = { key.isValidSignature(signature, for: input) }
} else if let leaf = try? Certificate(derEncoded: Array(x5c[0])), let key = P256.Signing.PublicKey(leaf.publicKey) {
    algorithm = "p256"
    let s = try P256.Signing.ECDSASignature(rawRepresentation: signature)
    raw = { key.isValidSignature(s, for: input) }
} else if x5c.count > 1, let key = sm2Key(x5c[0], issuer: x5c[1]) {
    algorithm = "sm2"
    let bytes = Array(input), sig = Array(signature)
    raw = { csm2_verify(key, bytes, bytes.count, sig) == 1 }
} else {
    FileHandle.standardError.write(Data("unsupported key\n".utf8))
    exit(2)
}

/// The SM2 key of a seal certificate, read by OpenSSL.
func sm2Key(_ der: Data, issuer: Data) -> OpaquePointer? {
    var out = csm2_certificate()
    let ok = der.withUnsafeBytes { d in issuer.withUnsafeBytes { i in
        csm2_read_certificate(d.baseAddress?.assumingMemoryBound(to: UInt8.self), der.count, i.baseAddress?.assumingMemoryBound(to: UInt8.self), issuer.count, &out)
    } }
    guard ok == 1 else { return nil }
    csm2_free(out.subject)
    csm2_free(out.serial)
    return out.key
}

/// Operations and nanoseconds of `body` run for about `window` seconds, checking the clock every 64.
func run(_ body: () -> Bool, for window: Double) -> (Int, UInt64) {
    let start = DispatchTime.now().uptimeNanoseconds
    var n = 0
    while true {
        for _ in 0..<64 { precondition(body()) }
        n += 64
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        if Double(elapsed) / 1e9 >= window { return (n, elapsed) }
    }
}

// Warm both up, then alternate short windows of each (20 of each over `seconds` twice), so a
// change in the machine's load during the run weighs on both sides alike.
let verify = { verifier.verify(token, status: status, at: now).ok }
for _ in 0..<200 { precondition(verify()); precondition(raw()) }
var totals = (module: (0, UInt64(0)), raw: (0, UInt64(0)))
for _ in 0..<20 {
    let m = run(verify, for: seconds / 20), r = run(raw, for: seconds / 20)
    totals.module = (totals.module.0 + m.0, totals.module.1 + m.1)
    totals.raw = (totals.raw.0 + r.0, totals.raw.1 + r.1)
}
let module = Double(totals.module.0) / (Double(totals.module.1) / 1e9)
let baseline = Double(totals.raw.0) / (Double(totals.raw.1) / 1e9)
print("{\"algorithm\":\"\(algorithm)\",\"verifier\":\(module),\"raw\":\(baseline)}")
