package dev.fcfs.producer.system;

import java.beans.PropertyEditorSupport;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * Strict decimal integers in paths, query parameters and headers: what the strict JSON reader is for bodies. Spring's
 * own conversion trims whitespace and reads hexadecimal, so {@code /events/0x10/reservations} reserved a seat in
 * event 16 (and {@code %2310}, {@code +16}, {@code 16%20} reached it too); here anything but an optional minus sign
 * and decimal digits is a 400. Binder editors take precedence over the conversion service.
 */
@ControllerAdvice
class StrictNumberBinding {

    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+");

    @InitBinder
    void strictIntegers(WebDataBinder binder) {
        binder.registerCustomEditor(long.class, new DecimalEditor(Long::valueOf));
        binder.registerCustomEditor(Long.class, new DecimalEditor(Long::valueOf));
        binder.registerCustomEditor(int.class, new DecimalEditor(Integer::valueOf));
        binder.registerCustomEditor(Integer.class, new DecimalEditor(Integer::valueOf));
    }

    private static final class DecimalEditor extends PropertyEditorSupport {

        private final Function<String, Number> parse;

        DecimalEditor(Function<String, Number> parse) {
            this.parse = parse;
        }

        @Override
        public void setAsText(String text) {
            if (text == null || !DECIMAL.matcher(text).matches()) {
                throw new IllegalArgumentException("not a decimal integer");
            }
            // out of range: NumberFormatException, an IllegalArgumentException too
            setValue(this.parse.apply(text));
        }

    }

}
