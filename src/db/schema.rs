// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    account_invitations (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Nullable<Text>,
        org_role -> Text,
        token_hash -> Bytea,
        invited_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        sent_count -> Int4,
        last_sent_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_user_id -> Nullable<Uuid>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    activity_active_days (scope, dimension, day, value) {
        scope -> Uuid,
        dimension -> Text,
        day -> Date,
        value -> Text,
        dau -> Int4,
        wau -> Int4,
        mau -> Int4,
    }
}

diesel::table! {
    activity_anonymous_days (day, feature, action) {
        day -> Date,
        feature -> Text,
        action -> Text,
        events -> Int4,
    }
}

diesel::table! {
    activity_dirty_days (day) {
        day -> Date,
    }
}

diesel::table! {
    activity_events (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        user_id -> Uuid,
        group_id -> Nullable<Uuid>,
        feature -> Text,
        action -> Text,
        subject_id -> Nullable<Uuid>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    activity_feature_days (scope, day, feature, action) {
        scope -> Uuid,
        day -> Date,
        feature -> Text,
        action -> Text,
        events -> Int4,
        users -> Int4,
    }
}

diesel::table! {
    activity_missed_search_days (scope, day, query) {
        scope -> Uuid,
        day -> Date,
        query -> Text,
        searches -> Int4,
    }
}

diesel::table! {
    activity_subject_days (scope, feature, day, subject_id) {
        scope -> Uuid,
        day -> Date,
        feature -> Text,
        subject_id -> Uuid,
        events -> Int4,
    }
}

diesel::table! {
    activity_user_days (scope, day, user_id) {
        scope -> Uuid,
        day -> Date,
        user_id -> Uuid,
        events -> Int4,
    }
}

diesel::table! {
    attachments (id) {
        id -> Uuid,
        uploaded_by -> Nullable<Uuid>,
        name -> Text,
        storage_key -> Text,
        size_bytes -> Int8,
        sha256 -> Bytea,
        content_type -> Text,
        thumbnail_key -> Nullable<Text>,
        post_id -> Nullable<Uuid>,
        comment_id -> Nullable<Uuid>,
        event_id -> Nullable<Uuid>,
        position -> Int4,
        attached_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        message_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Uuid,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Uuid>,
        group_id -> Nullable<Uuid>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        request_id -> Text,
    }
}

diesel::table! {
    calendar_feeds (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    comment_mentions (comment_id, user_id) {
        comment_id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    comments (id) {
        id -> Uuid,
        post_id -> Uuid,
        parent_id -> Nullable<Uuid>,
        author_id -> Nullable<Uuid>,
        body -> Text,
        body_html -> Text,
        edited_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    conversation_members (conversation_id, user_id) {
        conversation_id -> Uuid,
        user_id -> Uuid,
        read_seq -> Int8,
        joined_at -> Timestamptz,
    }
}

diesel::table! {
    conversations (id) {
        id -> Uuid,
        kind -> Text,
        group_id -> Nullable<Uuid>,
        name -> Nullable<Text>,
        read_only -> Bool,
        direct_key -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
        last_seq -> Int8,
        message_count -> Int8,
        last_message_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    drives (id) {
        id -> Uuid,
        group_id -> Nullable<Uuid>,
        owner_id -> Nullable<Uuid>,
        quota_bytes -> Int8,
        used_bytes -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    event_attendees (event_id, user_id) {
        event_id -> Uuid,
        user_id -> Uuid,
        status -> Text,
        responded_at -> Timestamptz,
        invited_by -> Nullable<Uuid>,
        reminder_minutes -> Nullable<Array<Nullable<Int4>>>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    event_exceptions (event_id, original_starts_at) {
        event_id -> Uuid,
        original_starts_at -> Timestamptz,
        cancelled -> Bool,
        starts_at -> Nullable<Timestamptz>,
        ends_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    event_organizers (event_id, user_id) {
        event_id -> Uuid,
        user_id -> Uuid,
    }
}

diesel::table! {
    events (id) {
        id -> Uuid,
        group_id -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        title -> Text,
        description -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        time_zone -> Text,
        all_day -> Bool,
        location -> Nullable<Text>,
        online_url -> Nullable<Text>,
        online_provider -> Nullable<Text>,
        cover_attachment_id -> Nullable<Uuid>,
        capacity -> Nullable<Int4>,
        recurrence -> Nullable<Text>,
        last_starts_at -> Nullable<Timestamptz>,
        reminder_minutes -> Array<Nullable<Int4>>,
        cancelled_at -> Nullable<Timestamptz>,
        cancellation_reason -> Nullable<Text>,
        sequence -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search_text -> Nullable<Text>,
    }
}

diesel::table! {
    file_versions (id) {
        id -> Uuid,
        file_id -> Uuid,
        number -> Int4,
        storage_key -> Text,
        size_bytes -> Int8,
        sha256 -> Bytea,
        content_type -> Text,
        uploaded_name -> Text,
        uploaded_by -> Nullable<Uuid>,
        thumbnail_key -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    files (id) {
        id -> Uuid,
        drive_id -> Uuid,
        folder_id -> Uuid,
        name -> Text,
        size_bytes -> Int8,
        content_type -> Text,
        version_count -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        search_text -> Nullable<Text>,
    }
}

diesel::table! {
    folder_follows (user_id, folder_id) {
        user_id -> Uuid,
        folder_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    folders (id) {
        id -> Uuid,
        drive_id -> Uuid,
        parent_id -> Nullable<Uuid>,
        name -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    group_invitations (id) {
        id -> Uuid,
        group_id -> Uuid,
        user_id -> Uuid,
        invited_by -> Nullable<Uuid>,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    group_join_requests (id) {
        id -> Uuid,
        group_id -> Uuid,
        user_id -> Uuid,
        message -> Nullable<Text>,
        status -> Text,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    group_membership_rules (id) {
        id -> Uuid,
        group_id -> Uuid,
        department -> Nullable<Text>,
        site -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    group_memberships (group_id, user_id) {
        group_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        added_by_rule -> Bool,
    }
}

diesel::table! {
    group_notification_settings (user_id, group_id) {
        user_id -> Uuid,
        group_id -> Uuid,
        level -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    group_webhooks (id) {
        id -> Uuid,
        group_id -> Uuid,
        name -> Text,
        token_hash -> Bytea,
        created_by -> Nullable<Uuid>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    groups (id) {
        id -> Uuid,
        name -> Text,
        slug -> Text,
        description -> Text,
        visibility -> Text,
        join_policy -> Text,
        posting_policy -> Text,
        avatar_attachment_id -> Nullable<Uuid>,
        cover_attachment_id -> Nullable<Uuid>,
        archived_at -> Nullable<Timestamptz>,
        member_count -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search_text -> Nullable<Text>,
        event_policy -> Text,
        drive_policy -> Text,
    }
}

diesel::table! {
    jobs (id) {
        id -> Uuid,
        kind -> Text,
        payload -> Jsonb,
        run_at -> Timestamptz,
        attempts -> Int4,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        dedupe_key -> Nullable<Text>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Uuid,
        throttle_key -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        client_address -> Text,
    }
}

diesel::table! {
    message_mentions (message_id, user_id) {
        message_id -> Uuid,
        user_id -> Uuid,
        conversation_id -> Uuid,
        seq -> Int8,
    }
}

diesel::table! {
    messages (id) {
        id -> Uuid,
        conversation_id -> Uuid,
        seq -> Int8,
        author_id -> Nullable<Uuid>,
        client_id -> Nullable<Text>,
        body -> Text,
        body_html -> Text,
        reply_to_id -> Nullable<Uuid>,
        reply_count -> Int4,
        last_reply_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        edited_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    newsletter_clicks (link_id, recipient_id) {
        link_id -> Uuid,
        recipient_id -> Uuid,
        first_clicked_at -> Timestamptz,
        last_clicked_at -> Timestamptz,
        count -> Int4,
    }
}

diesel::table! {
    newsletter_links (id) {
        id -> Uuid,
        newsletter_id -> Uuid,
        url -> Text,
    }
}

diesel::table! {
    newsletter_recipients (id) {
        id -> Uuid,
        newsletter_id -> Uuid,
        user_id -> Uuid,
        email_id -> Nullable<Uuid>,
        token_hash -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    newsletters (id) {
        id -> Uuid,
        subject -> Text,
        intro -> Text,
        post_ids -> Array<Nullable<Uuid>>,
        event_ids -> Array<Nullable<Uuid>>,
        organization_wide -> Bool,
        group_ids -> Array<Nullable<Uuid>>,
        departments -> Array<Nullable<Text>>,
        author_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        sent_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    notification_defaults (kind) {
        kind -> Text,
        delivery -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notification_preferences (user_id, kind) {
        user_id -> Uuid,
        kind -> Text,
        delivery -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notifications (id) {
        id -> Uuid,
        recipient_id -> Uuid,
        kind -> Text,
        subject_type -> Nullable<Text>,
        subject_id -> Nullable<Uuid>,
        group_id -> Nullable<Uuid>,
        actor_ids -> Array<Nullable<Uuid>>,
        actor_count -> Int4,
        data -> Jsonb,
        group_key -> Text,
        delivery -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        seen_at -> Nullable<Timestamptz>,
        read_at -> Nullable<Timestamptz>,
        emailed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    organization (id) {
        id -> Bool,
        name -> Text,
        logo_attachment_id -> Nullable<Uuid>,
        favicon_attachment_id -> Nullable<Uuid>,
        primary_color -> Text,
        accent_color -> Text,
        login_message -> Nullable<Text>,
        allowed_email_domains -> Array<Nullable<Text>>,
        time_zone -> Text,
        activity_retention_days -> Int4,
        updated_at -> Timestamptz,
        message_retention_days -> Nullable<Int4>,
    }
}

diesel::table! {
    outgoing_emails (id) {
        id -> Uuid,
        recipient_id -> Nullable<Uuid>,
        to_address -> Text,
        purpose -> Text,
        subject -> Text,
        message -> Bytea,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    persisted_documents (sha256) {
        sha256 -> Text,
        document -> Text,
        created_at -> Timestamptz,
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
    poll_options (id) {
        id -> Uuid,
        post_id -> Uuid,
        position -> Int4,
        label -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    poll_votes (option_id, user_id) {
        option_id -> Uuid,
        user_id -> Uuid,
        post_id -> Uuid,
        created_at -> Timestamptz,
        multiple_choice -> Bool,
    }
}

diesel::table! {
    polls (post_id) {
        post_id -> Uuid,
        multiple_choice -> Bool,
        anonymous -> Bool,
        closes_at -> Nullable<Timestamptz>,
        results_visibility -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    post_acknowledgements (post_id, user_id) {
        post_id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    post_audiences (post_id, group_id) {
        post_id -> Uuid,
        group_id -> Uuid,
        created_at -> Timestamptz,
        listed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    post_group_mentions (post_id, group_id) {
        post_id -> Uuid,
        group_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    post_mentions (post_id, user_id) {
        post_id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    post_pins (id) {
        id -> Uuid,
        post_id -> Uuid,
        group_id -> Nullable<Uuid>,
        position -> Int4,
        pinned_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    post_versions (id) {
        id -> Uuid,
        post_id -> Uuid,
        title -> Nullable<Text>,
        body -> Text,
        replaced_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    post_views (post_id, user_id) {
        post_id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    posts (id) {
        id -> Uuid,
        author_id -> Nullable<Uuid>,
        webhook_id -> Nullable<Uuid>,
        integration_name -> Nullable<Text>,
        title -> Nullable<Text>,
        body -> Text,
        body_html -> Text,
        organization_wide -> Bool,
        requires_acknowledgement -> Bool,
        published_at -> Nullable<Timestamptz>,
        edited_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        deleted_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    presence_away (user_id) {
        user_id -> Uuid,
        since -> Timestamptz,
    }
}

diesel::table! {
    presence_connections (user_id, instance_id) {
        user_id -> Uuid,
        instance_id -> Uuid,
        seen_at -> Timestamptz,
    }
}

diesel::table! {
    reactions (subject_id, user_id, emoji) {
        subject_id -> Uuid,
        user_id -> Uuid,
        emoji -> Text,
        subject_kind -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    read_receipts_off (user_id) {
        user_id -> Uuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    search_entries (kind, item_id) {
        kind -> Text,
        item_id -> Uuid,
        title -> Nullable<Text>,
        title_words -> Nullable<Text>,
        document -> Tsvector,
        scopes -> Array<Nullable<Text>>,
        hidden_until -> Nullable<Timestamptz>,
        owner_id -> Nullable<Uuid>,
        group_ids -> Array<Nullable<Uuid>>,
        author_id -> Nullable<Uuid>,
        happened_at -> Timestamptz,
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
        user_agent -> Nullable<Text>,
        last_seen_at -> Timestamptz,
        sso_provider_id -> Nullable<Text>,
    }
}

diesel::table! {
    sso_login_attempts (state_hash) {
        state_hash -> Bytea,
        browser_hash -> Bytea,
        provider_id -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        redirect_path -> Text,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    storage_garbage (storage_key) {
        storage_key -> Text,
        sweep_after -> Timestamptz,
    }
}

diesel::table! {
    survey_answers (response_id, question_id) {
        response_id -> Uuid,
        question_id -> Uuid,
        choices -> Nullable<Array<Nullable<Int4>>>,
        scale -> Nullable<Int4>,
        text -> Nullable<Text>,
    }
}

diesel::table! {
    survey_groups (survey_id, group_id) {
        survey_id -> Uuid,
        group_id -> Uuid,
    }
}

diesel::table! {
    survey_participants (survey_id, user_id) {
        survey_id -> Uuid,
        user_id -> Uuid,
    }
}

diesel::table! {
    survey_questions (id) {
        id -> Uuid,
        survey_id -> Uuid,
        position -> Int4,
        kind -> Text,
        prompt -> Text,
        options -> Array<Nullable<Text>>,
        required -> Bool,
    }
}

diesel::table! {
    survey_responses (id) {
        id -> Uuid,
        survey_id -> Uuid,
        anonymous -> Bool,
        user_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    surveys (id) {
        id -> Uuid,
        title -> Text,
        description -> Text,
        anonymous -> Bool,
        organization_wide -> Bool,
        opens_at -> Timestamptz,
        closes_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        min_responses -> Int4,
    }
}

diesel::table! {
    unsubscribe_tokens (token_hash) {
        token_hash -> Bytea,
        user_id -> Uuid,
        topic -> Text,
        created_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    user_identities (id) {
        id -> Uuid,
        user_id -> Uuid,
        provider_id -> Text,
        issuer -> Text,
        subject -> Text,
        email -> Nullable<Text>,
        created_at -> Timestamptz,
        last_sign_in_at -> Timestamptz,
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
        avatar_url -> Nullable<Text>,
        avatar_attachment_id -> Nullable<Uuid>,
        communicator -> Bool,
        activation_code_hash -> Nullable<Bytea>,
        activation_expires_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        activated_at -> Nullable<Timestamptz>,
        quiet_hours_start -> Nullable<Time>,
        quiet_hours_end -> Nullable<Time>,
        digest_frequency -> Text,
        last_digest_at -> Nullable<Timestamptz>,
        receives_newsletters -> Bool,
        credentials_revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(attachments -> comments (comment_id));
diesel::joinable!(attachments -> messages (message_id));
diesel::joinable!(attachments -> posts (post_id));
diesel::joinable!(calendar_feeds -> users (user_id));
diesel::joinable!(comment_mentions -> comments (comment_id));
diesel::joinable!(comment_mentions -> users (user_id));
diesel::joinable!(comments -> posts (post_id));
diesel::joinable!(comments -> users (author_id));
diesel::joinable!(conversation_members -> conversations (conversation_id));
diesel::joinable!(conversation_members -> users (user_id));
diesel::joinable!(conversations -> groups (group_id));
diesel::joinable!(conversations -> users (created_by));
diesel::joinable!(drives -> groups (group_id));
diesel::joinable!(drives -> users (owner_id));
diesel::joinable!(event_attendees -> events (event_id));
diesel::joinable!(event_exceptions -> events (event_id));
diesel::joinable!(event_organizers -> events (event_id));
diesel::joinable!(event_organizers -> users (user_id));
diesel::joinable!(events -> groups (group_id));
diesel::joinable!(events -> users (created_by));
diesel::joinable!(file_versions -> files (file_id));
diesel::joinable!(file_versions -> users (uploaded_by));
diesel::joinable!(files -> drives (drive_id));
diesel::joinable!(files -> folders (folder_id));
diesel::joinable!(files -> users (created_by));
diesel::joinable!(folder_follows -> folders (folder_id));
diesel::joinable!(folder_follows -> users (user_id));
diesel::joinable!(folders -> drives (drive_id));
diesel::joinable!(folders -> users (created_by));
diesel::joinable!(group_invitations -> groups (group_id));
diesel::joinable!(group_join_requests -> groups (group_id));
diesel::joinable!(group_membership_rules -> groups (group_id));
diesel::joinable!(group_membership_rules -> users (created_by));
diesel::joinable!(group_memberships -> groups (group_id));
diesel::joinable!(group_memberships -> users (user_id));
diesel::joinable!(group_notification_settings -> groups (group_id));
diesel::joinable!(group_notification_settings -> users (user_id));
diesel::joinable!(group_webhooks -> groups (group_id));
diesel::joinable!(group_webhooks -> users (created_by));
diesel::joinable!(groups -> users (created_by));
diesel::joinable!(message_mentions -> messages (message_id));
diesel::joinable!(message_mentions -> users (user_id));
diesel::joinable!(messages -> conversations (conversation_id));
diesel::joinable!(messages -> users (author_id));
diesel::joinable!(newsletter_clicks -> newsletter_links (link_id));
diesel::joinable!(newsletter_clicks -> newsletter_recipients (recipient_id));
diesel::joinable!(newsletter_links -> newsletters (newsletter_id));
diesel::joinable!(newsletter_recipients -> newsletters (newsletter_id));
diesel::joinable!(newsletter_recipients -> outgoing_emails (email_id));
diesel::joinable!(newsletter_recipients -> users (user_id));
diesel::joinable!(notification_preferences -> users (user_id));
diesel::joinable!(notifications -> groups (group_id));
diesel::joinable!(notifications -> users (recipient_id));
diesel::joinable!(outgoing_emails -> users (recipient_id));
diesel::joinable!(personal_access_tokens -> users (user_id));
diesel::joinable!(poll_options -> polls (post_id));
diesel::joinable!(poll_votes -> poll_options (option_id));
diesel::joinable!(poll_votes -> users (user_id));
diesel::joinable!(polls -> posts (post_id));
diesel::joinable!(post_acknowledgements -> posts (post_id));
diesel::joinable!(post_acknowledgements -> users (user_id));
diesel::joinable!(post_audiences -> groups (group_id));
diesel::joinable!(post_audiences -> posts (post_id));
diesel::joinable!(post_group_mentions -> groups (group_id));
diesel::joinable!(post_group_mentions -> posts (post_id));
diesel::joinable!(post_mentions -> posts (post_id));
diesel::joinable!(post_mentions -> users (user_id));
diesel::joinable!(post_pins -> groups (group_id));
diesel::joinable!(post_pins -> posts (post_id));
diesel::joinable!(post_pins -> users (pinned_by));
diesel::joinable!(post_versions -> posts (post_id));
diesel::joinable!(post_views -> posts (post_id));
diesel::joinable!(post_views -> users (user_id));
diesel::joinable!(posts -> group_webhooks (webhook_id));
diesel::joinable!(presence_away -> users (user_id));
diesel::joinable!(presence_connections -> users (user_id));
diesel::joinable!(reactions -> users (user_id));
diesel::joinable!(read_receipts_off -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(survey_answers -> survey_questions (question_id));
diesel::joinable!(survey_answers -> survey_responses (response_id));
diesel::joinable!(survey_groups -> groups (group_id));
diesel::joinable!(survey_groups -> surveys (survey_id));
diesel::joinable!(survey_participants -> surveys (survey_id));
diesel::joinable!(survey_participants -> users (user_id));
diesel::joinable!(survey_questions -> surveys (survey_id));
diesel::joinable!(survey_responses -> users (user_id));
diesel::joinable!(surveys -> users (created_by));
diesel::joinable!(unsubscribe_tokens -> users (user_id));
diesel::joinable!(user_identities -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    account_invitations,
    activity_active_days,
    activity_anonymous_days,
    activity_dirty_days,
    activity_events,
    activity_feature_days,
    activity_missed_search_days,
    activity_subject_days,
    activity_user_days,
    attachments,
    audit_log,
    calendar_feeds,
    comment_mentions,
    comments,
    conversation_members,
    conversations,
    drives,
    event_attendees,
    event_exceptions,
    event_organizers,
    events,
    file_versions,
    files,
    folder_follows,
    folders,
    group_invitations,
    group_join_requests,
    group_membership_rules,
    group_memberships,
    group_notification_settings,
    group_webhooks,
    groups,
    jobs,
    login_attempts,
    message_mentions,
    messages,
    newsletter_clicks,
    newsletter_links,
    newsletter_recipients,
    newsletters,
    notification_defaults,
    notification_preferences,
    notifications,
    organization,
    outgoing_emails,
    persisted_documents,
    personal_access_tokens,
    poll_options,
    poll_votes,
    polls,
    post_acknowledgements,
    post_audiences,
    post_group_mentions,
    post_mentions,
    post_pins,
    post_versions,
    post_views,
    posts,
    presence_away,
    presence_connections,
    reactions,
    read_receipts_off,
    search_entries,
    sessions,
    sso_login_attempts,
    storage_garbage,
    survey_answers,
    survey_groups,
    survey_participants,
    survey_questions,
    survey_responses,
    surveys,
    unsubscribe_tokens,
    user_identities,
    users,
);
