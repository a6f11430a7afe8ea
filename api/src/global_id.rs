//! Relay global ids: `gid://dermaga/<Type>/<id>`, the shape the big commerce APIs use.

const PREFIX: &str = "gid://dermaga/";

pub fn encode(type_name: &str, id: i64) -> String {
    format!("{PREFIX}{type_name}/{id}")
}

/// The type name and database id of a global id, if it is well-formed.
pub fn decode(global_id: &str) -> Option<(&str, i64)> {
    let rest = global_id.strip_prefix(PREFIX)?;
    let (type_name, id) = rest.split_once('/')?;
    let id: i64 = id.parse().ok()?;
    (id > 0 && !type_name.is_empty()).then_some((type_name, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        assert_eq!(decode(&encode("Seller", 42)), Some(("Seller", 42)));
    }

    #[test]
    fn malformed_ids_are_refused() {
        for raw in [
            "42",
            "gid://dermaga/Seller/",
            "gid://dermaga/Seller/x",
            "gid://other/Seller/1",
            "gid://dermaga/Seller/-1",
        ] {
            assert_eq!(decode(raw), None, "{raw}");
        }
    }
}
