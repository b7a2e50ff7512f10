package modarch.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** An option bound to the field of a record O that holds its value. */
public record OptionField<O>(RunOption option, Function<O, Number> value) {

    /** The values of record o by key, in the order of fields (config.json's order), each as its option's type. */
    public static <O> Map<String, Object> values(List<OptionField<O>> fields, O o) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (OptionField<O> field : fields) out.put(field.option().key(), field.option().type().of(field.value().apply(o)));
        return out;
    }

    /** The options of fields, in their order. */
    public static <O> List<RunOption> options(List<OptionField<O>> fields) {
        return fields.stream().map(OptionField::option).toList();
    }
}
