//! async-graphql leaves a field that failed out of the response. The GraphQL specification
//! ("Handling Execution Errors") makes it `null` instead, and the `null` of a non-null field makes
//! its parent `null` in turn, up to the first nullable one (or `data` itself). Clients with
//! normalised caches (Apollo Client, urql, Relay) rely on it: a missing key reads as a cache miss
//! and throws the whole result away. This fills the gaps from the errors' paths and the types the
//! schema gives each field.

use std::collections::HashMap;

use async_graphql::parser::types::{BaseType, OperationType, Type, TypeKind, TypeSystemDefinition};
use async_graphql::{Name, PathSegment, Response, Value};

/// The declared type of every field of every object and interface, and what each abstract type
/// may be.
pub struct Nullability {
    fields: HashMap<String, HashMap<String, Type>>,
    possible: HashMap<String, Vec<String>>,
}

impl Nullability {
    /// Reads the types from a schema's SDL.
    pub fn of(sdl: &str) -> Self {
        let mut fields = HashMap::new();
        let mut possible: HashMap<String, Vec<String>> = HashMap::new();
        let definitions = async_graphql::parser::parse_schema(sdl)
            .map(|document| document.definitions)
            .unwrap_or_default();
        for definition in definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let name = definition.node.name.node.to_string();
            let declared = match &definition.node.kind {
                TypeKind::Object(object) => {
                    for interface in &object.implements {
                        possible
                            .entry(interface.node.to_string())
                            .or_default()
                            .push(name.clone());
                    }
                    &object.fields
                }
                TypeKind::Interface(interface) => &interface.fields,
                TypeKind::Union(union) => {
                    possible.insert(
                        name.clone(),
                        union.members.iter().map(|m| m.node.to_string()).collect(),
                    );
                    continue;
                }
                _ => continue,
            };
            let types = declared
                .iter()
                .map(|field| (field.node.name.node.to_string(), field.node.ty.node.clone()))
                .collect();
            fields.insert(name, types);
        }
        Self { fields, possible }
    }

    /// Puts `null` where a failed field was left out, for each error with a path.
    pub fn complete(&self, response: &mut Response, operation: OperationType) {
        let paths: Vec<Vec<PathSegment>> = response
            .errors
            .iter()
            .filter(|error| !error.path.is_empty())
            .map(|error| error.path.clone())
            .collect();
        if paths.is_empty() {
            return;
        }
        // Every root field failed: async-graphql then answers `data: null` outright.
        if response.data == Value::Null {
            response.data = Value::Object(Default::default());
        }
        let root = match operation {
            OperationType::Query => "Query",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => "Subscription",
        };
        for path in paths {
            self.fill(&mut response.data, root, &path);
        }
    }

    /// Walks `path` down `data`; at the first key left out, puts `null` there if its field is
    /// nullable, else on the nearest nullable ancestor (or `data`).
    fn fill(&self, data: &mut Value, root: &str, path: &[PathSegment]) {
        let mut here: Vec<&PathSegment> = Vec::new();
        let mut nullable_ancestors: Vec<usize> = Vec::new();
        let mut ty: Option<Type> = None;
        for segment in path {
            let Some(value) = at(data, &here) else {
                return;
            };
            let step_type = match segment {
                PathSegment::Field(key) => {
                    let Value::Object(object) = value else {
                        return;
                    };
                    let parent = if here.is_empty() {
                        Some(root)
                    } else {
                        ty.as_ref().and_then(named)
                    };
                    let field = parent.and_then(|parent| self.field(parent, key));
                    if !object.contains_key(key.as_str()) {
                        // An alias is unknown to the schema: taken as nullable.
                        if field.as_ref().is_none_or(|field| field.nullable) {
                            object.insert(Name::new(key), Value::Null);
                        } else {
                            null_nearest(data, &here, &nullable_ancestors);
                        }
                        return;
                    }
                    field
                }
                PathSegment::Index(index) => {
                    let Value::List(items) = value else {
                        return;
                    };
                    if *index >= items.len() {
                        return;
                    }
                    ty.as_ref().and_then(|ty| match &ty.base {
                        BaseType::List(item) => Some(item.as_ref().clone()),
                        BaseType::Named(_) => None,
                    })
                }
            };
            here.push(segment);
            if step_type.as_ref().is_none_or(|ty| ty.nullable) {
                nullable_ancestors.push(here.len());
            }
            ty = step_type;
        }
    }

    /// The type of `field` on `parent`, or on any type an abstract `parent` may be.
    fn field(&self, parent: &str, field: &str) -> Option<Type> {
        if let Some(ty) = self.fields.get(parent).and_then(|fields| fields.get(field)) {
            return Some(ty.clone());
        }
        self.possible
            .get(parent)?
            .iter()
            .find_map(|concrete| self.fields.get(concrete)?.get(field).cloned())
    }
}

fn named(ty: &Type) -> Option<&str> {
    match &ty.base {
        BaseType::Named(name) => Some(name.as_str()),
        BaseType::List(_) => None,
    }
}

/// The value at `path` in `data`, if there is one.
fn at<'a>(data: &'a mut Value, path: &[&PathSegment]) -> Option<&'a mut Value> {
    path.iter()
        .try_fold(data, |value, segment| match (value, segment) {
            (Value::Object(object), PathSegment::Field(key)) => object.get_mut(key.as_str()),
            (Value::List(items), PathSegment::Index(index)) => items.get_mut(*index),
            _ => None,
        })
}

/// Makes the nearest nullable ancestor of `here` null (the first `depth` segments of `here`
/// reach it), or `data` when none is.
fn null_nearest(data: &mut Value, here: &[&PathSegment], nullable_ancestors: &[usize]) {
    match nullable_ancestors.last() {
        Some(depth) => {
            if let Some(value) = at(data, &here[..*depth]) {
                *value = Value::Null;
            }
        }
        None => *data = Value::Null,
    }
}
