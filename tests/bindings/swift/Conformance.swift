// Conformance cases through the typed bindings (shared/spec/conformance.md).
//
// A suite test gives `runSuite` a function that turns a case's `input` (a `JSON` object) into
// the typed request, calls the typed FFI function and renders its result as `JSON`. A refusal
// (`NephroError`) becomes {"error": {"code": ...}} by `errorCode`. The output is compared with
// `expected` by the matching rules of conformance.md: every expected key present, arrays
// element by element with equal length, numbers within 1e-6, strings, booleans and null
// exactly, a boolean never matches a number.

import Foundation

let numberTolerance = 1e-6

/// The suites of the shared `conformance-next` whose capability has landed (conformance-next/README.md).
let landedNextSuites: Set<String> = ["dipstick", "dose"]

/// A parsed JSON value (booleans kept apart from numbers).
enum JSON: CustomStringConvertible {
    case object([String: JSON])
    case array([JSON])
    case number(Double)
    case bool(Bool)
    case string(String)
    case null

    /// Parses JSON text with Foundation's `JSONSerialization`.
    static func parse(_ data: Data) throws -> JSON {
        try JSON(any: JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    /// Converts what `JSONSerialization` returns.
    init(any value: Any) throws {
        switch value {
        case let o as [String: Any]: self = .object(try o.mapValues { try JSON(any: $0) })
        case let a as [Any]: self = .array(try a.map { try JSON(any: $0) })
        case let s as String: self = .string(s)
        case is NSNull: self = .null
        case let n as NSNumber:
            // JSONSerialization gives booleans as NSNumber too (and `1 as? Bool` succeeds):
            // its booleans, and only those, have the C type "c".
            self = String(cString: n.objCType) == "c" ? .bool(n.boolValue) : .number(n.doubleValue)
        default: throw ConformanceError.notJSON("\(type(of: value))")
        }
    }

    subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var double: Double? { if case .number(let n) = self { return n }; return nil }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var array: [JSON]? { if case .array(let a) = self { return a }; return nil }

    var description: String {
        switch self {
        case .object(let o): return "{" + o.keys.sorted().map { "\"\($0)\": \(o[$0]!)" }.joined(separator: ", ") + "}"
        case .array(let a): return "[" + a.map { $0.description }.joined(separator: ", ") + "]"
        case .number(let n): return "\(n)"
        case .bool(let b): return "\(b)"
        case .string(let s): return "\"\(s)\""
        case .null: return "null"
        }
    }
}

enum ConformanceError: Error {
    case notJSON(String)
    case missing(String)
}

// Typed accessors for case inputs: a missing key is nil for the optional ones.
extension JSON {
    func double(_ key: String) throws -> Double {
        guard let v = self[key]?.double else { throw ConformanceError.missing(key) }
        return v
    }
    func optDouble(_ key: String) -> Double? { self[key]?.double }
    func text(_ key: String) throws -> String {
        guard let v = self[key]?.string else { throw ConformanceError.missing(key) }
        return v
    }
    func flag(_ key: String, _ defaultValue: Bool) -> Bool { self[key]?.bool ?? defaultValue }
    func doubles(_ key: String) throws -> [Double] {
        guard let a = self[key]?.array else { throw ConformanceError.missing(key) }
        return try a.map { guard let d = $0.double else { throw ConformanceError.missing("\(key)[]") }; return d }
    }
}

/// The conformance error code of a refusal (as `nephro eval` prints it).
func errorCode(_ error: NephroError) -> String {
    switch error {
    case .Validation: return "invalid_input"
    case .DoseOutOfRange: return "dose_out_of_range"
    case .NotMeasurable: return "not_measurable"
    case .NotFound: return "not_found"
    case .Conflict: return "conflict"
    case .NeedsConfirmation: return "needs_confirmation"
    case .Photo(let problem, _): return photoProblemCode(problem)
    case .CorruptDatabase, .NotADiary, .ReadOnly, .NewerSchema, .UnknownSchema, .UpgradeFailed, .MigrationFailed,
         .Storage:
        return "storage"
    }
}

/// The conformance code of a `PhotoProblem` (clinical-rules §13).
func photoProblemCode(_ problem: PhotoProblem) -> String {
    switch problem {
    case .tooEarly: return "too_early"
    case .tooLate: return "too_late"
    case .overexposed: return "overexposed"
    case .tooDark: return "too_dark"
    case .uneven: return "uneven"
    }
}

/// The shared, the landed shared-next and the project's case directories of `suite` (those
/// that exist).
func suiteDirs(_ suite: String) -> [URL] {
    [Config.sharedConformance, landedNextSuites.contains(suite) ? Config.nextConformance : nil, Config.repoConformance]
        .compactMap { $0 }
        .map { URL(fileURLWithPath: $0).appendingPathComponent(suite) }
        .filter { var isDir: ObjCBool = false; return FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDir) && isDir.boolValue }
}

/// Every `*.json` case of `suite`, shared ones first, each directory sorted by name.
func caseFiles(_ suite: String) -> [URL] {
    suiteDirs(suite).flatMap { dir in
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted().map { dir.appendingPathComponent($0) }
    }
}

/// Where `actual` does not match `expected`, as readable lines (empty: match).
func mismatches(_ expected: JSON, _ actual: JSON, _ path: String = "$") -> [String] {
    let differ = ["\(path): expected \(expected), got \(actual)"]
    switch (expected, actual) {
    case (.object(let e), .object(let a)):
        return e.keys.sorted().flatMap { key -> [String] in
            guard let value = a[key] else { return ["\(path).\(key): missing"] }
            return mismatches(e[key]!, value, "\(path).\(key)")
        }
    case (.array(let e), .array(let a)):
        guard e.count == a.count else { return ["\(path): expected \(e.count) elements, got \(a.count): \(actual)"] }
        return zip(e, a).enumerated().flatMap { i, pair in mismatches(pair.0, pair.1, "\(path)[\(i)]") }
    case (.number(let e), .number(let a)):
        return a.isFinite && abs(a - e) <= numberTolerance ? [] : differ
    case (.bool(let e), .bool(let a)):
        return e == a ? [] : differ
    case (.string(let e), .string(let a)):
        return e == a ? [] : differ
    case (.null, .null):
        return []
    default:
        return differ
    }
}

/// Runs every case of `suite` through `evaluate` (case input → output); one check per case,
/// plus one that cases were found. Returns the number of cases.
@discardableResult
func runSuite(_ suite: String, _ evaluate: (JSON) throws -> JSON) -> Int {
    let files = caseFiles(suite)
    check(!files.isEmpty, "suite \(suite): no case files found in \(suiteDirs(suite).map { $0.path })")
    for file in files {
        var found: [String]
        do {
            let testCase = try JSON.parse(try Data(contentsOf: file))
            guard let input = testCase["input"], let expected = testCase["expected"] else {
                throw ConformanceError.missing("input or expected")
            }
            let output: JSON
            do {
                output = try evaluate(input)
            } catch let error as NephroError {
                output = .object(["error": .object(["code": .string(errorCode(error)), "message": .string("\(error)")])])
            }
            found = mismatches(expected, output)
        } catch {
            found = ["threw \(error)"]
        }
        check(found.isEmpty, "\(suite)/\(file.lastPathComponent): " + found.joined(separator: "; "))
    }
    return files.count
}
