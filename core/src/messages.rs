//! The one catalogue of every text the core writes for a family or a clinician, in every
//! [`Locale`]: Project Fluent files (`core/locales/<tag>.ftl`), one per locale, keyed by message
//! ids. Engines return structured values; the code that turns a value into words asks the
//! catalogue for the message and passes the values as arguments.
//!
//! Every id exists in every locale with the same arguments (a test reads the files and the
//! sources), so a text never falls back silently.
//!
//! Adding a locale: copy `en.ftl` to `core/locales/<tag>.ftl` and translate it (the locale's
//! conventions, such as the clock, are messages too), then name it once in code: its
//! [`Locale`] variant with its tag, and its line in `SOURCES` here. A file without a locale
//! fails the tests, as does a message missing from it.
//!
//! Fluent's bidirectional isolation marks are off: the texts go into notifications, CSV cells
//! and FHIR strings where invisible U+2068/U+2069 characters would be noise. Arguments are
//! formatted by the caller (numbers as the engines round them), so the catalogue never formats
//! a number differently from the rest of the app.

use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::locale::Locale;

/// The Fluent source of each locale.
const SOURCES: [(Locale, &str); 2] = [
    (Locale::En, include_str!("../locales/en.ftl")),
    (Locale::ZhHans, include_str!("../locales/zh-Hans.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

/// A locale's bundle and its messages without arguments, formatted once (an export asks for
/// "taken" once per dose).
struct Catalogue {
    bundle: Bundle,
    plain: HashMap<String, String>,
}

fn catalogues() -> &'static [Catalogue] {
    static CATALOGUES: OnceLock<Vec<Catalogue>> = OnceLock::new();
    CATALOGUES.get_or_init(|| Locale::ALL.iter().map(|l| load(*l)).collect())
}

fn load(locale: Locale) -> Catalogue {
    let source = SOURCES
        .iter()
        .find(|(l, _)| *l == locale)
        .map(|(_, s)| *s)
        .unwrap_or_default();
    let language = locale.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![language]);
    bundle.set_use_isolating(false);
    // The files are part of the build and checked by the tests below; were one to hold a
    // syntax error, the entries that parse would still be added.
    let resource =
        FluentResource::try_new(source.to_string()).unwrap_or_else(|(partial, _)| partial);
    let ids: Vec<String> = resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect();
    let _ = bundle.add_resource(resource);
    let mut plain = HashMap::with_capacity(ids.len());
    for id in ids {
        if let Some(pattern) = bundle.get_message(&id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            let text = bundle
                .format_pattern(pattern, None, &mut errors)
                .into_owned();
            // A message that needs arguments reports them missing: it is not a plain text.
            if errors.is_empty() {
                plain.insert(id, text);
            }
        }
    }
    Catalogue { bundle, plain }
}

fn catalogue(locale: Locale) -> &'static Catalogue {
    let index = Locale::ALL.iter().position(|l| *l == locale).unwrap_or(0);
    &catalogues()[index]
}

/// The message `id` (one without arguments) in `locale`. An id missing from the catalogue
/// (which the tests rule out) gives the id itself rather than a panic.
pub fn text(locale: Locale, id: &'static str) -> &'static str {
    catalogue(locale).plain.get(id).map_or(id, String::as_str)
}

/// An argument of a message: a text the caller formatted (a dose, a date), or a count, which
/// also chooses the plural form (`{ $count -> [one] … *[other] … }`).
#[derive(Debug, Clone)]
pub enum Arg {
    /// Shown as it is.
    Text(String),
    /// A whole number: shown in digits and used for plural rules.
    Count(u64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_string())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

impl From<&String> for Arg {
    fn from(text: &String) -> Self {
        Arg::Text(text.clone())
    }
}

macro_rules! count_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Count(n as u64)
            }
        }
    )*};
}
count_arg!(u8, u16, u32, u64, usize);

macro_rules! signed_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                // Plural rules are for counts; a negative number is shown as it is.
                u64::try_from(n).map_or_else(|_| Arg::Text(n.to_string()), Arg::Count)
            }
        }
    )*};
}
signed_arg!(i32, i64);

/// The text of a message key the engines emit beside their values (`labs.alert.anaemia`, which
/// the shells also receive), or `None` for a key the catalogue lacks. A key's dots are dashes in
/// the catalogue's ids (`labs-alert-anaemia`), as Fluent ids have no dots.
pub fn text_of_key(locale: Locale, key: &str) -> Option<&'static str> {
    let id = key.replace('.', "-");
    catalogue(locale).plain.get(&id).map(String::as_str)
}

/// The ids of the catalogue's argument-less messages that start with `prefix` (in English,
/// which every locale matches: tested).
#[cfg(test)]
pub(crate) fn ids_with_prefix(prefix: &str) -> Vec<String> {
    catalogue(Locale::En)
        .plain
        .keys()
        .filter(|id| id.starts_with(prefix))
        .cloned()
        .collect()
}

/// The message `id` in `locale` with its arguments (`$name` in the catalogue). Prefer the
/// [`message!`](crate::message) macro, which names the arguments beside their values.
pub fn text_with(locale: Locale, id: &str, args: &[(&str, Arg)]) -> String {
    let catalogue = catalogue(locale);
    let Some(pattern) = catalogue.bundle.get_message(id).and_then(|m| m.value()) else {
        return id.to_string();
    };
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        let value = match value {
            Arg::Text(text) => FluentValue::from(text.clone()),
            Arg::Count(n) => FluentValue::from(*n),
        };
        fluent_args.set(*name, value);
    }
    let mut errors = Vec::new();
    catalogue
        .bundle
        .format_pattern(pattern, Some(&fluent_args), &mut errors)
        .into_owned()
}

/// A message with named arguments: `message!(locale, "export-period", from = a, to = b)`.
#[macro_export]
macro_rules! message {
    ($locale:expr, $id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::messages::text_with(
            $locale,
            $id,
            &[$((stringify!($name), $crate::messages::Arg::from($value))),*],
        )
    };
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    /// Every message of a locale's file with the variables its pattern uses.
    fn messages(source: &str) -> BTreeMap<String, BTreeSet<String>> {
        let resource = fluent_syntax::parser::parse(source)
            .unwrap_or_else(|(_, errors)| panic!("the catalogue does not parse: {errors:?}"));
        let mut out = BTreeMap::new();
        for entry in resource.body {
            match entry {
                ast::Entry::Message(message) => {
                    let mut variables = BTreeSet::new();
                    if let Some(pattern) = &message.value {
                        collect_variables(pattern, &mut variables);
                    }
                    assert!(message.value.is_some(), "{} has no value", message.id.name);
                    assert!(
                        out.insert(message.id.name.to_string(), variables).is_none(),
                        "{} is defined twice",
                        message.id.name
                    );
                }
                ast::Entry::Junk { content } => panic!("unparsed entry: {content}"),
                _ => {}
            }
        }
        out
    }

    fn collect_variables(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                collect_expression(expression, out);
            }
        }
    }

    fn collect_expression(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Inline(inline) => collect_inline(inline, out),
            ast::Expression::Select { selector, variants } => {
                collect_inline(selector, out);
                for variant in variants {
                    collect_variables(&variant.value, out);
                }
            }
        }
    }

    fn collect_inline(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_string());
            }
            ast::InlineExpression::Placeable { expression } => collect_expression(expression, out),
            _ => {}
        }
    }

    #[test]
    fn every_message_exists_in_every_locale_with_the_same_arguments() {
        let catalogues: Vec<_> = SOURCES.iter().map(|(l, s)| (*l, messages(s))).collect();
        let (_, english) = &catalogues[0];
        assert!(english.len() > 100, "the catalogue holds the app's texts");
        for (locale, catalogue) in &catalogues[1..] {
            let missing: Vec<_> = english
                .keys()
                .filter(|k| !catalogue.contains_key(*k))
                .collect();
            let extra: Vec<_> = catalogue
                .keys()
                .filter(|k| !english.contains_key(*k))
                .collect();
            assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
            assert!(
                extra.is_empty(),
                "{locale:?} has ids English lacks: {extra:?}"
            );
            for (id, variables) in english {
                assert_eq!(
                    &catalogue[id], variables,
                    "{locale:?}: {id} takes other arguments"
                );
            }
        }
        assert_eq!(SOURCES.len(), Locale::ALL.len(), "a file per locale");
    }

    #[test]
    fn every_catalogue_file_is_a_locale_of_the_app() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".ftl"))
            .collect();
        files.sort();
        let mut expected: Vec<String> = Locale::ALL
            .iter()
            .map(|l| format!("{}.ftl", l.tag()))
            .collect();
        expected.sort();
        assert_eq!(
            files, expected,
            "each .ftl file needs its Locale variant and SOURCES line"
        );
        for (locale, source) in SOURCES {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("locales")
                .join(format!("{}.ftl", locale.tag()));
            assert_eq!(std::fs::read_to_string(path).unwrap(), source, "{locale:?}");
        }
    }

    /// The ids the sources ask for: the first string literal after `text(` / `text_with(` /
    /// `tr(` calls whose locale argument is followed by a literal id.
    fn ids_used_in_sources() -> BTreeSet<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut ids = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("messages.rs")
                {
                    let source = std::fs::read_to_string(&path).unwrap();
                    for call in ["text(", "text_with(", "tr(", "message!("] {
                        for (at, _) in source.match_indices(call) {
                            let rest = &source[at + call.len()..];
                            // `(locale, "id"` : skip the locale argument.
                            let Some(comma) = rest.find(',') else {
                                continue;
                            };
                            let after = rest[comma + 1..].trim_start();
                            if rest[..comma].contains(['(', ')', '"', ';', '{']) {
                                continue;
                            }
                            if let Some(literal) = after.strip_prefix('"') {
                                if let Some(end) = literal.find('"') {
                                    let id = &literal[..end];
                                    if id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                                        && id.contains('-')
                                    {
                                        ids.insert(id.to_string());
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        ids
    }

    #[test]
    fn every_id_the_code_asks_for_is_in_the_catalogue() {
        let english = messages(SOURCES[0].1);
        let used = ids_used_in_sources();
        assert!(used.len() > 100, "found the calls: {}", used.len());
        let missing: Vec<_> = used
            .iter()
            .filter(|id| !english.contains_key(*id))
            .collect();
        assert!(
            missing.is_empty(),
            "asked for but not in the catalogue: {missing:?}"
        );
    }

    #[test]
    fn texts_carry_no_isolation_marks_take_their_arguments_and_choose_plurals() {
        let text = message!(Locale::En, "export-manifest-generated", version = "1.2.3");
        assert_eq!(text, "Generated by NephroDiary 1.2.3.");
        assert!(!text.contains(['\u{2068}', '\u{2069}']));
        assert_eq!(
            message!(
                Locale::ZhHans,
                "export-manifest-generated",
                version = "1.2.3"
            ),
            "由 NephroDiary 1.2.3 生成。"
        );
        let one = message!(Locale::En, "export-manifest-unreadable", count = 1usize);
        let two = message!(Locale::En, "export-manifest-unreadable", count = 2usize);
        assert!(
            one.starts_with("1 stored record could not be read and is not"),
            "{one}"
        );
        assert!(
            two.starts_with("2 stored records could not be read and are not"),
            "{two}"
        );
        assert_eq!(super::text(Locale::En, "no-such-id"), "no-such-id");
    }
}
