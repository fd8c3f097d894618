// The data fieldsets of `templates/event_forms.html`: show the chosen kind's, read its fields
// into an event's `data` (docs/lifecycle.md), and say which field is wrong when one is.

/** Shows the fieldset of `kind` under `root`; the others are hidden and disabled, so their
 *  fields are neither read nor validated. */
export function showKind(root, kind) {
  for (const fieldset of root.querySelectorAll("fieldset[data-kind]")) {
    const chosen = fieldset.dataset.kind === kind;
    fieldset.hidden = !chosen;
    fieldset.disabled = !chosen;
  }
}

/** The `data` object of `kind`; throws an Error naming the field that is wrong. Kinds without
 *  data (sold, resold) have no fieldset and give `{}`. */
export function readData(root, kind) {
  const data = {};
  const fieldset = root.querySelector(`fieldset[data-kind="${kind}"]`);
  if (!fieldset) return data;
  for (const field of fieldset.querySelectorAll("[name]")) {
    const text = field.value.trim();
    const label = field.name.replace(/_/g, " ");
    if (text === "") {
      if (field.hasAttribute("data-optional")) continue;
      throw new Error(`"${label}" is required for this kind of event.`);
    }
    data[field.name] = parse(field, text, label);
  }
  return data;
}

function parse(field, text, label) {
  switch (field.dataset.type) {
    case "int":
      if (!/^\d{1,15}$/.test(text)) throw new Error(`"${label}" must be a whole number of grams, not "${text}".`);
      return Number(text);
    case "upper":
      return text.toUpperCase();
    case "list":
      return text.split(",").map((part) => part.trim()).filter(Boolean);
    case "masses":
      return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line, i) => {
        const match = /^(.+?)\s+(\d{1,15})\s*g?$/.exec(line);
        if (!match) {
          const item = field.dataset.item;
          throw new Error(`"${label}" line ${i + 1}: write the ${item} and its grams, like "copper 120"; "${line}" is not.`);
        }
        return { [field.dataset.item]: match[1], mass_g: Number(match[2]) };
      });
    default:
      return text;
  }
}
