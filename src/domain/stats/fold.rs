//! Statistics recomputed from the log alone: a fold over accepted events that tracks only what
//! the facts need about each product. It is written apart from the rules on purpose, so that
//! "the writer's incremental statistics equal a rebuild" compares two implementations.

use super::facts::{add_all, facts_of, Facts, ProductFacts};
use crate::domain::data::EventData;
use crate::domain::event::Event;
use crate::domain::kinds::{Mark, ProductState};
use crate::domain::records::Milestone;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Default)]
pub struct StatsFold {
    products: HashMap<Uuid, ProductFacts>,
    pub facts: Facts,
}

impl StatsFold {
    /// Adds one event of the log, in log order. The log holds only accepted events, so the
    /// fold trusts them; an event about a product it has not seen adds nothing.
    pub fn apply(&mut self, event: &Event) {
        let Some(id) = event.product else {
            add_all(&mut self.facts, facts_of(event, None, None));
            return;
        };
        if let EventData::Registered(data) = &event.data {
            self.products.insert(
                id,
                ProductFacts {
                    unu_key: data.unu_key.clone(),
                    state: ProductState::Manufactured,
                    declared_g: data.weight_g,
                    measured_g: None,
                    sold: None,
                    collected: None,
                },
            );
            return;
        }
        let Some(before) = self.products.get(&id).cloned() else {
            return;
        };
        let mut after = before.clone();
        if let Some((_, to)) = event.kind.transition() {
            after.state = to;
        }
        let here = event.city.as_ref().map(|city| Milestone {
            city: city.as_str().to_string(),
            on: event.occurred_at.date_naive(),
        });
        match event.kind.spec().marks {
            Some(Mark::Sold) => after.sold = here,
            Some(Mark::Collected) => after.collected = here,
            None => {}
        }
        if let EventData::Collected(data) = &event.data {
            after.measured_g = data.weight_g;
        }
        add_all(
            &mut self.facts,
            facts_of(event, Some(&before), Some(&after)),
        );
        self.products.insert(id, after);
    }

    /// The milestones of every product, for a database whose products predate them.
    pub fn milestones(&self) -> impl Iterator<Item = (&Uuid, &ProductFacts)> {
        self.products.iter()
    }
}
