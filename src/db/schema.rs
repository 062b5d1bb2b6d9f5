// @generated automatically by Diesel CLI.

diesel::table! {
    login_attempts (id) {
        id -> Uuid,
        throttle_key -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    personal_access_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        token_hash -> Bytea,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Nullable<Text>,
        username -> Text,
        display_name -> Text,
        title -> Nullable<Text>,
        department -> Nullable<Text>,
        site -> Nullable<Text>,
        phone -> Nullable<Text>,
        bio -> Nullable<Text>,
        locale -> Text,
        time_zone -> Text,
        org_role -> Text,
        status -> Text,
        password_hash -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search_text -> Nullable<Text>,
    }
}

diesel::joinable!(personal_access_tokens -> users (user_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    login_attempts,
    personal_access_tokens,
    sessions,
    users,
);
