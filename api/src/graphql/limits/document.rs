//! Measuring a parsed document without expanding it: each fragment is measured once per
//! operation and its measure reused at every spread, counts saturate instead of overflowing,
//! and a fragment that spreads itself is reported instead of followed.

use std::collections::HashMap;

use async_graphql::{
    Name, Positioned, Value, Variables,
    parser::types::{
        ExecutableDocument, Field, OperationType, Selection, SelectionSet, VariableDefinition,
    },
    registry::{MetaTypeName, Registry},
};

use crate::graphql::cost::{self, Children};

/// What measuring needs to know of the schema.
pub trait SchemaShape {
    /// The root type of an operation of this kind.
    fn root_type(&self, kind: OperationType) -> Option<&str>;
    /// A field of `parent`, when there is one.
    fn field(&self, parent: &str, name: &str) -> Option<FieldShape<'_>>;
}

/// A field's type, as far as its cost goes.
#[derive(Clone, Copy, Debug)]
pub struct FieldShape<'a> {
    /// The named type, without list and non-null wrappers.
    pub type_name: &'a str,
    pub is_list: bool,
    /// It takes `first` and returns a page.
    pub paged: bool,
}

impl SchemaShape for Registry {
    fn root_type(&self, kind: OperationType) -> Option<&str> {
        match kind {
            OperationType::Query => Some(&self.query_type),
            OperationType::Mutation => self.mutation_type.as_deref(),
            OperationType::Subscription => self.subscription_type.as_deref(),
        }
    }

    fn field(&self, parent: &str, name: &str) -> Option<FieldShape<'_>> {
        let field = self.types.get(parent)?.field_by_name(name)?;
        Some(FieldShape {
            type_name: MetaTypeName::concrete_typename(&field.ty),
            is_list: MetaTypeName::create(&field.ty).is_list(),
            paged: field.args.contains_key(cost::PAGE_ARGUMENT),
        })
    }
}

/// What is written in the document, counted once each wherever it is spread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub aliases: usize,
    pub fragment_spreads: usize,
}

/// The document as it would run: every operation with its fragments expanded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expanded {
    /// Fields of all operations together: what validation walks.
    pub fields: usize,
    /// The most fields at the top of one operation.
    pub root_fields: usize,
    /// The deepest nesting of fields; introspection fields count as one level.
    pub depth: usize,
    /// The cost of the operation that runs, or of the costliest when that is not known.
    pub cost: usize,
}

/// The fragment that spreads itself, directly or through others.
#[derive(Debug, PartialEq, Eq)]
pub struct FragmentCycle(pub String);

/// Counts the aliases and fragment spreads written in `document`.
pub fn written(document: &ExecutableDocument) -> Written {
    fn walk(set: &SelectionSet, written: &mut Written) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.alias.is_some() {
                        written.aliases = written.aliases.saturating_add(1);
                    }
                    walk(&field.node.selection_set.node, written);
                }
                Selection::FragmentSpread(_) => {
                    written.fragment_spreads = written.fragment_spreads.saturating_add(1);
                }
                Selection::InlineFragment(inline) => walk(&inline.node.selection_set.node, written),
            }
        }
    }
    let mut written = Written::default();
    for (_, operation) in document.operations.iter() {
        walk(&operation.node.selection_set.node, &mut written);
    }
    for fragment in document.fragments.values() {
        walk(&fragment.node.selection_set.node, &mut written);
    }
    written
}

/// Measures every operation of `document` with its fragments expanded.
pub fn expanded(
    document: &ExecutableDocument,
    schema: &impl SchemaShape,
    variables: &Variables,
    operation_name: Option<&str>,
) -> Result<Expanded, FragmentCycle> {
    let mut expanded = Expanded::default();
    let mut selected_cost = None;
    for (name, operation) in document.operations.iter() {
        let mut walk = Walk {
            document,
            schema,
            variables,
            definitions: &operation.node.variable_definitions,
            fragments: HashMap::new(),
        };
        let root = schema.root_type(operation.node.ty);
        let set = walk.selection_set(root, &operation.node.selection_set)?;
        let cost = set.cost.total();
        expanded.fields = expanded.fields.saturating_add(set.fields);
        expanded.root_fields = expanded.root_fields.max(set.top_fields);
        expanded.depth = expanded.depth.max(set.depth);
        expanded.cost = expanded.cost.max(cost);
        if name.is_some() && name.map(Name::as_str) == operation_name {
            selected_cost = Some(cost);
        }
    }
    if let Some(cost) = selected_cost {
        expanded.cost = cost;
    }
    Ok(expanded)
}

/// The measure of a selection set.
#[derive(Clone, Copy, Debug, Default)]
struct SetMeasure {
    fields: usize,
    depth: usize,
    top_fields: usize,
    cost: Children,
}

impl SetMeasure {
    fn add(&mut self, other: SetMeasure) {
        self.fields = self.fields.saturating_add(other.fields);
        self.depth = self.depth.max(other.depth);
        self.top_fields = self.top_fields.saturating_add(other.top_fields);
        self.cost.per_item = self.cost.per_item.saturating_add(other.cost.per_item);
        self.cost.once = self.cost.once.saturating_add(other.cost.once);
    }
}

enum Fragment {
    /// Being measured: reaching it again is a cycle.
    Measuring,
    Measured(SetMeasure),
}

/// One operation's walk; fragments are measured under its variables, once each.
struct Walk<'a, S> {
    document: &'a ExecutableDocument,
    schema: &'a S,
    variables: &'a Variables,
    definitions: &'a [Positioned<VariableDefinition>],
    fragments: HashMap<&'a str, Fragment>,
}

impl<'a, S: SchemaShape> Walk<'a, S> {
    fn selection_set(
        &mut self,
        parent: Option<&'a str>,
        set: &'a Positioned<SelectionSet>,
    ) -> Result<SetMeasure, FragmentCycle> {
        let mut total = SetMeasure::default();
        for selection in &set.node.items {
            let part = match &selection.node {
                Selection::Field(field) => self.field(parent, &field.node)?,
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node)?
                }
                Selection::InlineFragment(inline) => {
                    let condition = inline.node.type_condition.as_ref();
                    let parent = condition.map_or(parent, |on| Some(on.node.on.node.as_str()));
                    self.selection_set(parent, &inline.node.selection_set)?
                }
            };
            total.add(part);
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &'a Name) -> Result<SetMeasure, FragmentCycle> {
        match self.fragments.get(name.as_str()) {
            Some(Fragment::Measured(measure)) => return Ok(*measure),
            Some(Fragment::Measuring) => return Err(FragmentCycle(name.to_string())),
            None => {}
        }
        // An unknown fragment is refused by validation, which says so better.
        let Some(fragment) = self.document.fragments.get(name) else {
            return Ok(SetMeasure::default());
        };
        self.fragments.insert(name.as_str(), Fragment::Measuring);
        let on = fragment.node.type_condition.node.on.node.as_str();
        let measure = self.selection_set(Some(on), &fragment.node.selection_set)?;
        self.fragments
            .insert(name.as_str(), Fragment::Measured(measure));
        Ok(measure)
    }

    fn field(
        &mut self,
        parent: Option<&'a str>,
        field: &'a Field,
    ) -> Result<SetMeasure, FragmentCycle> {
        let schema = self.schema;
        let name = field.name.node.as_str();
        let shape = parent.and_then(|parent| schema.field(parent, name));
        let children =
            self.selection_set(shape.map(|shape| shape.type_name), &field.selection_set)?;
        let paged = shape.is_some_and(|shape| shape.paged);
        let cost = cost::field_cost(
            name,
            paged,
            |path| self.argument(field, path),
            children.cost,
        );
        // Introspection reads the schema in memory; its standard query nests 13 deep.
        let depth = if matches!(name, "__schema" | "__type") {
            1
        } else {
            children.depth.saturating_add(1)
        };
        let cost = if shape.is_some_and(|shape| shape.is_list) {
            Children {
                per_item: cost,
                once: 0,
            }
        } else {
            Children {
                per_item: 0,
                once: cost,
            }
        };
        Ok(SetMeasure {
            fields: children.fields.saturating_add(1),
            depth,
            top_fields: 1,
            cost,
        })
    }

    /// An argument, or a field of an input object argument, with the variables applied.
    fn argument(&self, field: &Field, path: &[&str]) -> Option<Value> {
        let (argument, fields) = path.split_first()?;
        let value = field
            .get_argument(argument)?
            .node
            .clone()
            .into_const_with(|name| self.variable(&name).ok_or(()))
            .ok()?;
        fields.iter().try_fold(value, |value, key| match value {
            Value::Object(mut object) => object.swap_remove(*key),
            _ => None,
        })
    }

    fn variable(&self, name: &str) -> Option<Value> {
        self.variables.get(name).cloned().or_else(|| {
            self.definitions
                .iter()
                .find(|definition| definition.node.name.node == name)
                .and_then(|definition| definition.node.default_value().cloned())
        })
    }
}

#[cfg(test)]
#[path = "document_tests.rs"]
mod tests;
