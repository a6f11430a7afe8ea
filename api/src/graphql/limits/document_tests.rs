use async_graphql::parser::parse_query;

use super::*;
use crate::graphql::cost::{PAGE_COST, SEARCH_COST, TOTAL_COUNT_COST};

/// A small catalogue schema: categories (a plain list) and a paged `products` connection.
struct Catalogue;

impl SchemaShape for Catalogue {
    fn root_type(&self, kind: OperationType) -> Option<&str> {
        (kind == OperationType::Query).then_some("Query")
    }

    fn field(&self, parent: &str, name: &str) -> Option<FieldShape<'_>> {
        let (type_name, is_list, paged) = match (parent, name) {
            ("Query", "categories") => ("Category", true, false),
            ("Query", "products") => ("ProductConnection", false, true),
            ("Category", "children") => ("Category", true, false),
            ("Category", "id" | "name") => ("String", false, false),
            ("ProductConnection", "totalCount") => ("Int", false, false),
            ("ProductConnection", "edges") => ("ProductEdge", true, false),
            ("ProductEdge", "node") => ("Product", false, false),
            ("Product", "id" | "title") => ("String", false, false),
            _ => return None,
        };
        Some(FieldShape {
            type_name,
            is_list,
            paged,
        })
    }
}

fn measure(query: &str) -> Result<Expanded, FragmentCycle> {
    measure_with(query, Variables::default(), None)
}

fn measure_with(
    query: &str,
    variables: Variables,
    operation: Option<&str>,
) -> Result<Expanded, FragmentCycle> {
    let document = parse_query(query).expect("the test query parses");
    expanded(&document, &Catalogue, &variables, operation)
}

/// `fragment G0 on Category { id } fragment G1 on Category { ...G0 ...G0 } …`, spread in
/// `{ categories { ...G<levels-1> } }`: 2^(levels-1) ids once expanded.
fn bomb(levels: usize) -> String {
    let mut query = String::from("fragment G0 on Category { id }\n");
    for level in 1..levels {
        let below = level - 1;
        query.push_str(&format!(
            "fragment G{level} on Category {{ ...G{below} ...G{below} }}\n"
        ));
    }
    query.push_str(&format!("{{ categories {{ ...G{} }} }}", levels - 1));
    query
}

#[test]
fn the_fragment_bomb_is_measured_without_being_expanded() {
    let measured = measure(&bomb(30)).unwrap();
    let ids = 1usize << 29;
    assert_eq!(measured.fields, ids + 1);
    assert_eq!(measured.cost, ids + 1);
    assert_eq!(measured.depth, 2);
    assert_eq!(measured.root_fields, 1);
}

#[test]
fn counts_saturate_instead_of_overflowing() {
    let measured = measure(&bomb(80)).unwrap();
    assert_eq!(measured.fields, usize::MAX);
    assert_eq!(measured.cost, usize::MAX);
}

#[test]
fn a_fragment_that_spreads_itself_is_reported_not_followed() {
    let direct = measure("fragment A on Query { ...A } { ...A }");
    assert_eq!(direct, Err(FragmentCycle("A".into())));
    let through_others = measure(
        "fragment A on Category { ...B } fragment B on Category { id ...C }
         fragment C on Category { children { ...A } } { categories { ...A } }",
    );
    assert!(through_others.is_err());
}

#[test]
fn a_fragment_spread_twice_without_a_cycle_is_fine() {
    let measured =
        measure("fragment F on Category { id } { categories { ...F ...F children { ...F } } }")
            .unwrap();
    assert_eq!(measured.fields, 5);
}

#[test]
fn aliases_and_spreads_are_counted_as_written() {
    let document = parse_query(
        "fragment F on Category { a: id b: id } { x: categories { ...F ...F } y: categories { ...F } }",
    )
    .unwrap();
    assert_eq!(
        written(&document),
        Written {
            aliases: 4,
            fragment_spreads: 3
        }
    );
}

#[test]
fn every_alias_is_costed_like_the_field_it_renames() {
    let one = measure(r#"{ products(first: 1, filter: {search: "x"}) { totalCount } }"#).unwrap();
    assert_eq!(one.cost, PAGE_COST + TOTAL_COUNT_COST + SEARCH_COST);
    let aliases: String = (0..40)
        .map(|n| format!(r#"p{n}: products(first: 1, filter: {{search: "x"}}) {{ totalCount }} "#))
        .collect();
    let forty = measure(&format!("{{ {aliases} }}")).unwrap();
    assert_eq!(forty.cost, 40 * one.cost);
    assert_eq!(forty.root_fields, 40);
}

#[test]
fn pages_multiply_their_items_but_not_their_count() {
    let measured =
        measure("{ products(first: 10) { totalCount edges { node { id title } } } }").unwrap();
    // edges { node { id title } } costs 4 per item.
    assert_eq!(measured.cost, PAGE_COST + 10 * 4 + TOTAL_COUNT_COST);
}

#[test]
fn variables_and_their_defaults_decide_first_and_search() {
    let query = r#"query Q($n: Int = 5, $filter: ProductFilter) {
        products(first: $n, filter: $filter) { edges { node { id } } } }"#;
    let by_default = measure_with(query, Variables::default(), None).unwrap();
    assert_eq!(by_default.cost, PAGE_COST + 5 * 3);
    let variables = Variables::from_json(serde_json::json!({
        "n": 50, "filter": { "search": "kopi" } }));
    let given = measure_with(query, variables, None).unwrap();
    assert_eq!(given.cost, PAGE_COST + 50 * 3 + SEARCH_COST);
}

#[test]
fn root_fields_count_through_fragments_and_inline_fragments() {
    let measured = measure(
        "fragment R on Query { categories { id } products { totalCount } }
         { ...R ... on Query { c: categories { id } } }",
    )
    .unwrap();
    assert_eq!(measured.root_fields, 3);
}

#[test]
fn depth_counts_nested_fields_and_introspection_as_one_level() {
    let measured = measure("{ categories { children { children { id } } } }").unwrap();
    assert_eq!(measured.depth, 4);
    let introspection = "{ __schema { types { fields { type { ofType { ofType { ofType {
        ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } }";
    assert_eq!(measure(introspection).unwrap().depth, 1);
}

#[test]
fn the_selected_operation_is_costed_and_all_are_counted() {
    let query = "query Cheap { categories { id } }
                 query Dear { products(first: 100) { edges { node { id } } } }";
    let cheap = measure_with(query, Variables::default(), Some("Cheap")).unwrap();
    assert_eq!(cheap.cost, 2);
    assert_eq!(cheap.fields, 2 + 4);
    let unknown = measure_with(query, Variables::default(), None).unwrap();
    assert_eq!(unknown.cost, PAGE_COST + 100 * 3);
}
