//! Diesel's view of the tables in `migrations/`. Hand-written (there is no `diesel print-schema`
//! step) and kept in the portable types of docs/architecture.md.

diesel::table! {
    entries (seq) {
        seq -> BigInt,
        leaf_hash -> Binary,
        event_id -> Binary,
        event_hash -> Binary,
        kind -> Text,
        actor_id -> Text,
        product_id -> Nullable<Text>,
        recorded_at -> Timestamp,
        bytes -> Binary,
    }
}

diesel::table! {
    log_head (id) {
        id -> Integer,
        size -> BigInt,
        head -> Binary,
        last_recorded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    actors (id) {
        id -> Text,
        org -> Text,
        name -> Text,
        roles -> Text,
        public_key -> Binary,
        city -> Nullable<Text>,
        revoked -> Bool,
        updated_seq -> BigInt,
        registered_seq -> Nullable<BigInt>,
        registered_at -> Nullable<Text>,
        gs1_company_prefixes -> Nullable<Text>,
        key_history -> Nullable<Text>,
    }
}

diesel::table! {
    cities (locode) {
        locode -> Text,
        name -> Text,
        country -> Text,
        population -> BigInt,
        population_year -> Integer,
        registered_seq -> BigInt,
    }
}

diesel::table! {
    products (id) {
        id -> Text,
        state -> Text,
        custodian -> Nullable<Text>,
        gtin -> Nullable<Text>,
        serial -> Nullable<Text>,
        unu_key -> Text,
        weight_g -> BigInt,
        measured_weight_g -> Nullable<BigInt>,
        removed_g -> BigInt,
        brand -> Nullable<Text>,
        model -> Nullable<Text>,
        manufactured_on -> Nullable<Text>,
        hazards -> Text,
        entry_seqs -> Text,
        head -> Binary,
        milestones -> Nullable<Text>,
        last_occurred_at -> Nullable<Text>,
        transit -> Nullable<Text>,
        transit_to -> Nullable<Text>,
        inside -> Nullable<Text>,
        undo -> Nullable<Text>,
    }
}

diesel::table! {
    subjects (id) {
        id -> Text,
        kind -> Text,
        custodian -> Nullable<Text>,
        transit_to -> Nullable<Text>,
        record -> Text,
    }
}

diesel::table! {
    pending_backfills (name) {
        name -> Text,
    }
}

diesel::table! {
    merkle_nodes (position) {
        position -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    checkpoints (size) {
        size -> BigInt,
        root -> Binary,
        note -> Text,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    cosignatures (size, witness) {
        size -> BigInt,
        witness -> Text,
        line -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    log_identity (id) {
        id -> Integer,
        origin -> Text,
        public_key -> Binary,
    }
}

diesel::table! {
    stat_facts (fact_key) {
        fact_key -> Text,
        locode -> Text,
        year -> Integer,
        unu_key -> Text,
        metric -> Text,
        detail -> Text,
        mass_g -> BigInt,
        units -> BigInt,
    }
}

diesel::table! {
    stats_state (id) {
        id -> Integer,
        definitions -> Text,
        rebuilt_at_size -> BigInt,
    }
}
