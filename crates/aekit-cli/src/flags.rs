//! The library names parameters and model kinds; the command line says
//! them as its flags and commands. This is the one place that maps them.

use aekit::error::AekitError;

/// The flag that sets a library parameter (named as its config field).
pub fn flag_for(param: &str) -> String {
    match param {
        "learning_rate" => "--lr".into(),
        "ids" => "--id".into(),
        other => format!("--{}", other.replace('_', "-")),
    }
}

/// The command that trains each kind a library message names, and the
/// commands that use a model of the text kinds.
const KIND_WORDS: [(&str, &str); 5] = [
    (
        "a text model (kind 'text_classifier' or 'doc_autoencoder')",
        "a text model (from `aekit text train` or `aekit text autoencoder`)",
    ),
    (
        "a text classifier (kind 'text_classifier')",
        "a text classifier (from `aekit text train`)",
    ),
    (
        "a document autoencoder (kind 'doc_autoencoder')",
        "a document autoencoder (from `aekit text autoencoder`)",
    ),
    ("(fit it as a detector)", "(train it with `aekit detect`)"),
    ("sampling codes needs", "encode --sample needs"),
];

/// `message` in the command line's words: each parameter in backticks
/// as its flag, kinds as the commands that train them.
fn in_cli_words(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        match after.find('`') {
            Some(end)
                if !after[..end].is_empty()
                    && after[..end]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
                out.push_str(&rest[..start]);
                out.push_str(&flag_for(&after[..end]));
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let mut out = KIND_WORDS
        .iter()
        .fold(out, |m, (from, to)| m.replace(from, to));
    if out.contains("is a text model (kind '") {
        out.push_str(": use `aekit text predict` or `aekit encode`");
    }
    out
}

/// A library error in the command line's words: parameters named by their
/// flags, columns by the flag that named them, kinds by the command that
/// trains them. `None`: an error the library words as the user reads it.
pub fn in_flag_terms(error: &AekitError) -> Option<String> {
    match error {
        AekitError::InvalidParam { name, message } => Some(format!(
            "invalid {}: {}",
            flag_for(name),
            in_cli_words(message)
                .replace("output_activation sigmoid", "--output-activation sigmoid")
                .replace("scale min-max", "--scale minmax")
        )),
        AekitError::Column {
            path,
            column,
            reason,
        } => {
            let reason = [
                ("named as the label", "named by --label"),
                ("named as an id", "named by --id"),
                ("named to drop", "named by --drop"),
                ("named to one-hot encode", "named by --one-hot"),
            ]
            .iter()
            .fold(reason.clone(), |r, (from, to)| r.replace(from, to));
            Some(format!("{}: column '{column}' {reason}", path.display()))
        }
        AekitError::Image { .. } => Some(
            error
                .to_string()
                .replace("give a resize size", "give --resize HxW"),
        ),
        AekitError::Unsupported { .. } | AekitError::Model { .. } => {
            Some(in_cli_words(&error.to_string()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_map_to_their_flags() {
        assert_eq!(flag_for("learning_rate"), "--lr");
        assert_eq!(flag_for("batch_size"), "--batch-size");
        assert_eq!(flag_for("bottleneck"), "--bottleneck");
        assert_eq!(flag_for("validation_target"), "--validation-target");
        let e = AekitError::param("validation_split", "must be in (0, 1)");
        assert_eq!(
            in_flag_terms(&e).unwrap(),
            "invalid --validation-split: must be in (0, 1)"
        );
        let e = AekitError::param("checkpoint", "only `epochs` may change, not `batch_size`");
        assert_eq!(
            in_flag_terms(&e).unwrap(),
            "invalid --checkpoint: only --epochs may change, not --batch-size"
        );
    }

    #[test]
    fn kinds_are_said_as_the_commands_that_train_them() {
        let e = AekitError::Unsupported {
            operation: "classifying texts",
            needs: "a text classifier (kind 'text_classifier')".into(),
            has: "is a document autoencoder".into(),
        };
        assert_eq!(
            in_flag_terms(&e).unwrap(),
            "classifying texts needs a text classifier (from `aekit text train`); this model is a document autoencoder"
        );
        let e = AekitError::Unsupported {
            operation: "reading rows",
            needs: "a model of tabular rows".into(),
            has: "is a text model (kind 'doc_autoencoder')".into(),
        };
        let said = in_flag_terms(&e).unwrap();
        assert!(
            said.ends_with("use `aekit text predict` or `aekit encode`"),
            "{said}"
        );
        let e = AekitError::model("m.aekit", "has no anomaly threshold (fit it as a detector)");
        assert!(
            in_flag_terms(&e)
                .unwrap()
                .contains("train it with `aekit detect`")
        );
    }
}
