import Foundation

/// The seal's picture as people know it: a red ring, the department's name around the top, the
/// five-pointed star in the middle, the seal's purpose below and its certificate serial along the
/// bottom, drawn as SVG from the seal's own data.
public enum SealPicture {
    public static func svg(organisation: String, purpose: String = "电子印章", serial: String) -> String {
        let red = "#d0021b"
        let name = Array(organisation)
        let radius = 66.0
        let fontSize = min(26.0, 280.0 / Double(max(name.count, 1)))
        // An arc over the top from 210° to -30°: the name reads left to right around it.
        func point(_ degrees: Double) -> String {
            let t = degrees * .pi / 180
            return String(format: "%.2f,%.2f", 100 + radius * cos(t), 100 - radius * sin(t))
        }
        var star: [String] = []
        for k in 0..<10 {
            let r = k % 2 == 0 ? 28.0 : 11.0
            let t = (90.0 + Double(k) * 36.0) * .pi / 180
            star.append(String(format: "%.2f,%.2f", 100 + r * cos(t), 102 - r * sin(t)))
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200" role="img" aria-label="\(escape(organisation))\(escape(purpose))">\
            <defs><path id="seal-arc" d="M \(point(210)) A \(radius),\(radius) 0 1,1 \(point(-30))"/></defs>\
            <circle cx="100" cy="100" r="93" fill="none" stroke="\(red)" stroke-width="6"/>\
            <text fill="\(red)" font-size="\(String(format: "%.1f", fontSize))" font-weight="bold" font-family="'Noto Serif CJK SC','SimSun',serif">\
            <textPath href="#seal-arc" startOffset="50%" text-anchor="middle">\(escape(organisation))</textPath></text>\
            <polygon fill="\(red)" points="\(star.joined(separator: " "))"/>\
            <text x="100" y="152" fill="\(red)" font-size="16" text-anchor="middle" font-family="'Noto Serif CJK SC','SimSun',serif">\(escape(purpose))</text>\
            <text x="100" y="172" fill="\(red)" font-size="8" text-anchor="middle" font-family="monospace">\(escape(String(serial.prefix(16))))</text>\
            </svg>
            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
