package dev.fcfs.producer.web;

import java.beans.PropertyEditorSupport;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.PropertyEditorRegistry;
import org.springframework.beans.TypeMismatchException;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.format.support.FormattingConversionService;
import org.springframework.validation.Validator;
import org.springframework.web.bind.support.ConfigurableWebBindingInitializer;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Strict decimal integers in paths, query parameters and headers: what the strict JSON reader is for bodies. Spring's
 * own conversion trims whitespace and reads hexadecimal, so {@code /events/0x10/reservations} would reserve a seat
 * in event 16 (as would {@code %2310}, {@code +16} and {@code 16%20}); here anything but an optional minus sign and
 * decimal digits is a 400. Binder editors take precedence over the conversion service.
 *
 * <p>The editors are registered on every data binder through the {@link ConfigurableWebBindingInitializer}, which
 * Spring Boot takes from the context when there is one, rather than by an {@code @InitBinder} method: Spring MVC
 * prepares the {@code @InitBinder} methods of every applicable advice for every request, binders needed or not.
 * {@link #pathVariable} applies the same rule where a route reads its path without a binder.
 */
@Configuration(proxyBeanMethods = false)
public class StrictNumberBinding {

    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+");

    /** What Spring MVC's own initializer holds (its conversion service and validator), plus the strict editors. */
    @Bean
    ConfigurableWebBindingInitializer strictNumberBindingInitializer(
            @Qualifier("mvcConversionService") FormattingConversionService conversionService,
            @Qualifier("mvcValidator") Validator validator) {
        ConfigurableWebBindingInitializer initializer = new ConfigurableWebBindingInitializer();
        initializer.setConversionService(conversionService);
        initializer.setValidator(validator);
        initializer.setPropertyEditorRegistrar(StrictNumberBinding::registerStrictIntegers);
        return initializer;
    }

    private static void registerStrictIntegers(PropertyEditorRegistry registry) {
        registry.registerCustomEditor(long.class, new DecimalEditor(Long::valueOf));
        registry.registerCustomEditor(Long.class, new DecimalEditor(Long::valueOf));
        registry.registerCustomEditor(int.class, new DecimalEditor(Integer::valueOf));
        registry.registerCustomEditor(Integer.class, new DecimalEditor(Integer::valueOf));
    }

    /**
     * A path variable of the request being handled, read as the binder's editors read a {@code long}.
     * @throws TypeMismatchException as a binder would throw it (answered 400)
     */
    public static long pathVariable(HttpServletRequest request, String name) {
        @SuppressWarnings("unchecked")
        Map<String, String> variables = (Map<String, String>) request
            .getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        String text = (variables != null) ? variables.get(name) : null;
        try {
            return decimal(text, Long::valueOf).longValue();
        }
        catch (IllegalArgumentException ex) {
            TypeMismatchException mismatch = new TypeMismatchException(text, long.class, ex);
            mismatch.initPropertyName(name);
            throw mismatch;
        }
    }

    /**
     * The one rule: an optional minus sign and decimal digits, in the range of the type {@code parse} makes.
     * @throws IllegalArgumentException otherwise (out of range: its {@link NumberFormatException})
     */
    private static Number decimal(String text, Function<String, Number> parse) {
        if (text == null || !DECIMAL.matcher(text).matches()) {
            throw new IllegalArgumentException("not a decimal integer");
        }
        return parse.apply(text);
    }

    private static final class DecimalEditor extends PropertyEditorSupport {

        private final Function<String, Number> parse;

        DecimalEditor(Function<String, Number> parse) {
            this.parse = parse;
        }

        @Override
        public void setAsText(String text) {
            setValue(decimal(text, this.parse));
        }

    }

}
