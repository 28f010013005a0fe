-- Event payloads keep the exact text Herald wrote (json, not jsonb): the webhook body and
-- GET /v1/events/:id then list fields in the API's own order (id, object, ...) rather than
-- jsonb's storage order, and inserts skip jsonb's parse into binary form. Nothing queries inside them.
alter table events
  alter column data type json using data::json,
  alter column previous_attributes type json using previous_attributes::json;
