package shop;

/** A store: its name, address and opening hours. */
public class Store {
    private final String name;
    private final String address;
    private int openingHour;
    private int closingHour;

    public Store(String name, String address) {
        this.name = name;
        this.address = address;
    }

    /** Returns the name of the store. */
    public String getName() {
        return name;
    }

    public String getAddress() {
        return address;
    }

    /** Sets the opening hour of the store. */
    public void setOpeningHour(int openingHour) {
        this.openingHour = openingHour;
    }

    public void setClosingHour(int closingHour) {
        this.closingHour = closingHour;
    }

    public boolean isOpen(int hour) {
        return hour >= openingHour && hour < closingHour;
    }
}
